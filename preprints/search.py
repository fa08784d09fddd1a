"""Search: full text, embeddings, and both fused by reciprocal rank, with the same filters.

A search runs the full-text ranking (SQL) and the embedding ranking (an in-memory matrix, see
:class:`preprints.vectors.VectorIndex`) once each, fuses them, and fetches the few rows shown in
one query. The ``Searcher`` keeps the matrix and brings it up to date before each search: one
cheap query reads the table's fingerprint (largest row id, latest ``updated_at`` and, where ids
may commit out of order, the row count). When it moved, the rows with new ids are read in full,
and of the rows updated within ``CLOCK_SLACK`` before the last change seen, the status (and the
rest only where the index lacks the row or its vector). So a preprint posted by another store or
process is found by the next search, and a status the gate set is filtered on at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Connection, Engine, func, true
from sqlmodel import col

from preprints._query import HIT_COLUMNS, summary
from preprints.errors import EmbeddingsUnavailable
from preprints.fulltext import TermStats, query_words, search_text
from preprints.models import Preprint
from preprints.passages import Passages
from preprints.records import PreprintFilter, SearchHit, SearchMode, SearchResults
from preprints.vectors import Embedder, VectorIndex, embed_texts

CANDIDATES = 100  # embedding matches kept before fusion
TEXT_CANDIDATES = 50  # full-text matches kept before fusion
RRF_K = 60
MIN_SIMILARITY = 0.2  # cosine below which an embedding match is noise (all-MiniLM-L6-v2)
QUERY_CACHE = 256  # query vectors kept, most recently used first
# How far apart two writers' clocks, or a change's timestamp and its commit, may be (a SQLite
# writer may wait 10 s for the lock, see engine.py): a refresh re-reads the latest versions
# updated this long before the newest update it saw.
CLOCK_SLACK = timedelta(seconds=30)
INDEX_COLUMNS: tuple[Any, ...] = (
    Preprint.id,
    Preprint.embedding,
    Preprint.status,
    Preprint.lab,
    Preprint.goal,
    Preprint.task,
    Preprint.created_at,
    Preprint.preprint_id,
)
# Statements built once, so a search spends no time building them.
_MAX_ID = sa.select(func.max(col(Preprint.id))).scalar_subquery()
_MAX_UPDATED = sa.select(func.max(col(Preprint.updated_at))).scalar_subquery()
_COUNT = sa.select(func.count()).select_from(Preprint).scalar_subquery()
FINGERPRINT = sa.select(_MAX_ID, _MAX_UPDATED)
FINGERPRINT_WITH_COUNT = sa.select(_MAX_ID, _MAX_UPDATED, _COUNT)  # ids may commit out of order
# The catch-up reads by primary key or by ``updated_at`` alone (then keeps the latest versions):
# a condition on ``is_latest`` too makes SQLite walk its is_latest index over every row.
IS_LATEST = col(Preprint.is_latest) == true()
ALL_LATEST = sa.select(*INDEX_COLUMNS).where(IS_LATEST)
LATEST_BY_ID = ALL_LATEST.where(col(Preprint.id).in_(sa.bindparam("ids", expanding=True)))
NEWER = sa.select(*INDEX_COLUMNS, col(Preprint.is_latest)).where(
    col(Preprint.id) > sa.bindparam("max_id")
)
TOUCHED = sa.select(
    col(Preprint.id),
    col(Preprint.preprint_id),
    col(Preprint.status),
    col(Preprint.embedding).is_not(None),
    col(Preprint.is_latest),
).where(col(Preprint.updated_at) >= sa.bindparam("since"))
HIT_ROWS = sa.select(*HIT_COLUMNS).where(col(Preprint.id).in_(sa.bindparam("ids", expanding=True)))


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
    """Runs searches for a store; keeps the embedding index and recent query vectors."""

    def __init__(
        self,
        engine: Engine,
        embedder: Embedder | None,
        min_similarity: float = MIN_SIMILARITY,
        query_cache: int = QUERY_CACHE,
    ) -> None:
        self.engine = engine
        self._embedder = embedder
        self.min_similarity = min_similarity
        self.query_cache = query_cache
        self.term_stats = TermStats()
        self._index = VectorIndex()
        self._seen: tuple[Any, ...] | None = None  # the fingerprint the index is up to date with
        self._max_id = 0
        self._since: datetime | None = None
        self._lock = threading.Lock()  # guards the index
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()

    @property
    def embedder(self) -> Embedder | None:
        return self._embedder

    @embedder.setter
    def embedder(self, embedder: Embedder | None) -> None:
        with self._queries_lock:
            self._embedder = embedder
            self._queries.clear()

    def invalidate(self) -> None:
        """Check the table at the next search even if its fingerprint looks unchanged."""
        self._seen = None

    # --- the index ---------------------------------------------------------------------------
    def vector_index(self, conn: Connection) -> VectorIndex:
        """The index, first brought up to date with the table."""
        fingerprint = tuple(conn.execute(self._fingerprint_query(conn)).one())
        if fingerprint == self._seen:
            return self._index
        with self._lock:
            if fingerprint != self._seen:
                self._catch_up(conn)
                self._seen, self._max_id = fingerprint, max(self._max_id, fingerprint[0] or 0)
                if fingerprint[1] is not None:
                    self._since = fingerprint[1] - CLOCK_SLACK
        return self._index

    def _catch_up(self, conn: Connection) -> None:
        """Read what changed since the last catch-up: new rows in full; of the rows updated
        lately (within ``CLOCK_SLACK`` of the last change seen), only the status, unless the
        index lacks the row or its vector."""
        if self._index.size == 0:
            self._index = VectorIndex.build(conn.execute(ALL_LATEST).all())
            return
        newer = conn.execute(NEWER, {"max_id": self._max_id}).all()
        self._index.update([row[:-1] for row in newer if row[-1]])
        if self._since is None:
            return
        touched = conn.execute(TOUCHED, {"since": self._since}).all()
        if missing := self._index.refresh([row[:-1] for row in touched if row[-1]]):
            self._index.update(conn.execute(LATEST_BY_ID, {"ids": missing}).all())

    @staticmethod
    def _fingerprint_query(conn: Connection) -> sa.Select[Any]:
        return FINGERPRINT if conn.dialect.name == "sqlite" else FINGERPRINT_WITH_COUNT

    # --- searching ---------------------------------------------------------------------------
    def query_vector(self, query: str) -> np.ndarray:
        """The normalised query vector, from the cache when the same query came lately."""
        embedder = self._embedder
        assert embedder is not None
        with self._queries_lock:
            cached = self._queries.get(query)
            if cached is not None:
                self._queries.move_to_end(query)
                return cached
        vector = embed_texts(embedder, [query])[0]
        with self._queries_lock:
            if self.query_cache > 0 and embedder is self._embedder:
                self._queries[query] = vector
                while len(self._queries) > self.query_cache:
                    self._queries.popitem(last=False)
        return vector

    def search(
        self, query: str, mode: SearchMode, filters: PreprintFilter, limit: int
    ) -> SearchResults:
        if mode is SearchMode.embedding and self._embedder is None:
            raise EmbeddingsUnavailable()
        if mode is SearchMode.hybrid and self._embedder is None:
            mode = SearchMode.text
        wants_vector = mode is not SearchMode.text and bool(query.strip())
        qvec = self.query_vector(query) if wants_vector else None  # before taking a connection
        with self.engine.connect() as conn:
            index = self.vector_index(conn)
            vector: list[tuple[int, float]] = []
            if qvec is not None:
                with self._lock:
                    found = index.search(qvec, filters, CANDIDATES)
                vector = [(rid, score) for rid, score in found if score >= self.min_similarity]
            text = self._text(conn, query, mode, filters, limit, vector, index.size)
            ranked = self._rank(mode, text, vector)[:limit]
            rows = _hit_rows(conn, [rid for rid, _ in ranked])
        hits = _hits(query, ranked, text, vector, rows)
        return SearchResults(query=query, mode=mode, hits=hits)

    def _text(
        self,
        conn: Connection,
        query: str,
        mode: SearchMode,
        filters: PreprintFilter,
        limit: int,
        vector: list[tuple[int, float]],
        total: int,
    ) -> list[tuple[int, float]]:
        """Full-text matches. Hybrid asks for all words only, unless those and the embedding
        matches together are fewer than ``limit``: the any-word query scores nearly every row
        (10-30 ms at 10,000 preprints), and in hybrid the embeddings find partial matches."""
        if mode is SearchMode.embedding:
            return []
        candidates = max(limit, TEXT_CANDIDATES)
        kwargs: dict[str, Any] = {"stats": self.term_stats, "total": total}
        if mode is SearchMode.hybrid:
            text, _ = search_text(conn, query, filters, candidates, any_word=False, **kwargs)
            if len({rid for rid, _ in text} | {rid for rid, _ in vector}) >= limit:
                return text
        return search_text(conn, query, filters, candidates, **kwargs)[0]

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


def _hit_rows(conn: Connection, row_ids: list[int]) -> dict[int, Any]:
    if not row_ids:
        return {}
    return {row.id: row for row in conn.execute(HIT_ROWS, {"ids": row_ids}).all()}


def _hits(
    query: str,
    ranked: list[tuple[int, float]],
    text: list[tuple[int, float]],
    vector: list[tuple[int, float]],
    rows: dict[int, Any],
) -> list[SearchHit]:
    top = max((score for _, score in text), default=1.0) or 1.0
    text_by_id = {rid: score / top for rid, score in text}
    vector_by_id = dict(vector)
    passage = Passages(query_words(query))
    hits = []
    for rid, score in ranked:
        row = rows.get(rid)
        if row is None:  # removed between the queries; cannot happen without deletes
            continue
        scores = {}
        if rid in text_by_id:
            scores["text"] = round(text_by_id[rid], 6)
        if rid in vector_by_id:
            scores["embedding"] = round(vector_by_id[rid], 6)
        snippet = passage([row.abstract, row.body_start, row.title])
        hits.append(
            SearchHit(preprint=summary(row), score=round(score, 6), snippet=snippet, scores=scores)
        )
    return hits
