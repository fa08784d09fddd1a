"""Search: full text, embeddings, and both fused by reciprocal rank, with the same filters."""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, func, true
from sqlmodel import Session, col, select

from preprints._read import summaries_by_row
from preprints.errors import EmbeddingsUnavailable
from preprints.fulltext import TextQuery, search_text, snippets
from preprints.models import Preprint
from preprints.records import PreprintFilter, SearchHit, SearchMode, SearchResults
from preprints.snippets import highlighter, marked_to_html
from preprints.vectors import Embedder, VectorIndex, embed_texts

CANDIDATES = 100  # embedding matches kept before fusion
TEXT_CANDIDATES = 50  # full-text matches kept before fusion
RRF_K = 60
MIN_SIMILARITY = 0.2  # cosine below which an embedding match is noise (all-MiniLM-L6-v2)


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse ranked id lists; scores are scaled so an id first in every list gets 1.0."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank + 1)
    best = len(rankings) / (k + 1) if rankings else 1.0
    fused = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(item, score / best) for item, score in fused]


class Searcher:
    """Runs searches for a store; keeps the embedding matrix until the table changes."""

    def __init__(
        self, engine: Engine, embedder: Embedder | None, min_similarity: float = MIN_SIMILARITY
    ) -> None:
        self.engine = engine
        self.embedder = embedder
        self.min_similarity = min_similarity
        self._cached: tuple[tuple[Any, ...], VectorIndex] | None = None
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._cached = None

    def vector_index(self, session: Session) -> VectorIndex:
        # rows are never deleted: a new row raises max(id), any update raises max(updated_at)
        fingerprint = (
            session.exec(select(func.max(Preprint.id))).one(),
            session.exec(select(func.max(Preprint.updated_at))).one(),
        )
        cached = self._cached
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        with self._lock:
            columns = ("id", "embedding", "status", "lab", "goal", "task", "created_at")
            rows = session.execute(
                sa.select(*(col(getattr(Preprint, name)) for name in columns)).where(
                    col(Preprint.is_latest) == true(), col(Preprint.embedding).is_not(None)
                )
            ).all()
            index = VectorIndex.build([tuple(row) for row in rows])
            self._cached = (fingerprint, index)
        return index

    def search(
        self, query: str, mode: SearchMode, filters: PreprintFilter, limit: int
    ) -> SearchResults:
        if mode is SearchMode.embedding and self.embedder is None:
            raise EmbeddingsUnavailable()
        if mode is SearchMode.hybrid and self.embedder is None:
            mode = SearchMode.text
        with Session(self.engine) as session:
            text: list[tuple[int, float]] = []
            vector: list[tuple[int, float]] = []
            used: TextQuery | None = None
            if mode is not SearchMode.embedding:
                text, used = search_text(session, query, filters, max(limit, TEXT_CANDIDATES))
            if mode is not SearchMode.text and query.strip():
                assert self.embedder is not None
                qvec = embed_texts(self.embedder, [query])[0]
                found = self.vector_index(session).search(qvec, filters, CANDIDATES)
                vector = [(rid, score) for rid, score in found if score >= self.min_similarity]
            ranked = self._rank(mode, text, vector)[:limit]
            ids = [rid for rid, _ in ranked]
            summaries = summaries_by_row(session, ids)
            texts = {rid for rid, _ in text}
            marked = snippets(session, used, [r for r in ids if r in texts]) if used else {}
        hits = self._hits(query, ranked, text, vector, summaries, marked)
        return SearchResults(query=query, mode=mode, hits=hits)

    @staticmethod
    def _rank(
        mode: SearchMode, text: list[tuple[int, float]], vector: list[tuple[int, float]]
    ) -> list[tuple[int, float]]:
        if mode is SearchMode.text:
            top = max((score for _, score in text), default=1.0) or 1.0
            return [(rid, max(0.0, score / top)) for rid, score in text]
        if mode is SearchMode.embedding:
            return [(rid, max(0.0, score)) for rid, score in vector]
        return reciprocal_rank_fusion([[hit[0] for hit in text], [hit[0] for hit in vector]])

    @staticmethod
    def _hits(
        query: str,
        ranked: list[tuple[int, float]],
        text: list[tuple[int, float]],
        vector: list[tuple[int, float]],
        summaries: dict[int, Any],
        marked: dict[int, str],
    ) -> list[SearchHit]:
        top = max((score for _, score in text), default=1.0) or 1.0
        text_by_id = {rid: score / top for rid, score in text}
        vector_by_id = dict(vector)
        highlight = highlighter(query)
        hits = []
        for rid, score in ranked:
            summary = summaries.get(rid)
            if summary is None:  # removed between the queries; cannot happen without deletes
                continue
            scores = {}
            if rid in text_by_id:
                scores["text"] = round(text_by_id[rid], 6)
            if rid in marked:
                snippet = marked_to_html(marked[rid])
            else:
                snippet = highlight(summary.abstract or summary.title)
            if rid in vector_by_id:
                scores["embedding"] = round(vector_by_id[rid], 6)
            hits.append(
                SearchHit(preprint=summary, score=round(score, 6), snippet=snippet, scores=scores)
            )
        return hits
