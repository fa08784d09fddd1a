"""The preprint store's search as it was before the in-memory index work, to compare against.

Same ranking pieces, the old hot path: the vector matrix loaded once (as the old store cached
it) and scored with a BLAS product; the full-text any-word fallback in hybrid too, with no
common words left out; passages from FTS5 ``snippet()`` (which re-runs the match); summaries
read through the ORM session. ``rxlab bench preprints`` times it next to ``Store.search``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class NaiveSearch:
    """``search(query, mode, filters, limit)`` over a store, the old way."""

    def __init__(self, store: Any) -> None:
        import sqlalchemy as sa
        from sqlmodel import Session, col

        from preprints.models import Preprint
        from preprints.vectors import from_bytes

        self.store = store
        with Session(store.engine) as session:
            rows = session.execute(
                sa.select(col(Preprint.id), col(Preprint.embedding), col(Preprint.status)).where(
                    col(Preprint.is_latest).is_(True), col(Preprint.embedding).is_not(None)
                )
            ).all()
        self.row_ids = np.array([row[0] for row in rows], dtype=np.int64)
        self.matrix = np.stack([from_bytes(row[1]) for row in rows])
        self.status = np.array([row[2] for row in rows], dtype=object)

    def _vector(self, query: str, filters: Any) -> list[tuple[int, float]]:
        from preprints.search import CANDIDATES, MIN_SIMILARITY
        from preprints.vectors import embed_texts

        qvec = embed_texts(self.store.embedder, [query])[0]
        scores = self.matrix @ qvec
        keep = np.arange(len(scores))
        if filters.status is not None:
            keep = np.flatnonzero(self.status == str(filters.status))
        picked = scores[keep]
        k = min(CANDIDATES, len(keep))
        top = np.argpartition(-picked, k - 1)[:k]
        top = top[np.argsort(-picked[top], kind="stable")]
        found = [(int(self.row_ids[keep[i]]), float(picked[i])) for i in top]
        return [(rid, score) for rid, score in found if score >= MIN_SIMILARITY]

    def search(self, query: str, mode: str, filters: Any, limit: int) -> list[Any]:
        from sqlmodel import Session

        from preprints._read import summaries_by_row
        from preprints.fulltext import search_text
        from preprints.search import TEXT_CANDIDATES, reciprocal_rank_fusion

        with Session(self.store.engine) as session:
            text: list[tuple[int, float]] = []
            used = None
            if mode != "embedding":
                text, used = search_text(session, query, filters, max(limit, TEXT_CANDIDATES))
            vector = self._vector(query, filters) if mode != "text" else []
            if mode == "text":
                ranked = text
            elif mode == "embedding":
                ranked = vector
            else:
                ranked = reciprocal_rank_fusion([[r for r, _ in text], [r for r, _ in vector]])
            ids = [rid for rid, _ in ranked[:limit]]
            summaries = summaries_by_row(session, ids)
            in_text = {rid for rid, _ in text}
            marked = (
                _snippets(session, used.fts5(), [r for r in ids if r in in_text]) if used else {}
            )
        return _hits(query, ranked[:limit], summaries, marked)


def _snippets(session: Any, match: str, row_ids: list[int]) -> dict[int, str]:
    import sqlalchemy as sa

    from preprints.snippets import START, STOP

    if not row_ids:
        return {}
    fts = sa.table("preprint_fts", sa.column("rowid"))
    fts_all: Any = sa.literal_column("preprint_fts")
    snippet = sa.func.snippet(fts_all, -1, START, STOP, "…", 24)
    stmt = sa.select(fts.c.rowid, snippet).where(
        fts_all.op("MATCH")(match), fts.c.rowid.in_(row_ids)
    )
    return {int(rid): str(text) for rid, text in session.execute(stmt).all()}


def _hits(
    query: str, ranked: list[tuple[int, float]], summaries: dict[int, Any], marked: dict[int, str]
) -> list[Any]:
    from preprints import SearchHit
    from preprints.snippets import highlighter, marked_to_html

    highlight = highlighter(query)
    out = []
    for rid, score in ranked:
        summary = summaries[rid]
        snippet = marked_to_html(marked[rid]) if rid in marked else highlight(summary.abstract)
        out.append(SearchHit(preprint=summary, score=max(0.0, score), snippet=snippet))
    return out
