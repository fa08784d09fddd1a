"""Full-text search: SQLite FTS5 (bm25, snippet) or PostgreSQL text search (ts_rank, ts_headline).

``search_text`` ranks; ``snippets`` makes passages for the few hits shown, with matches between
the markers of :mod:`preprints.snippets`. A query is all of its words first (common words such
as "the" or "does" left out); when that finds too little, any of them.

On SQLite the FTS table holds only the latest versions, so an unfiltered search never touches
the preprint table; a filtered one ranks a generous slice in FTS and filters that, and only
ranks the join when the slice was not enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from preprints._query import filter_clauses
from preprints.models import Preprint
from preprints.records import PreprintFilter
from preprints.snippets import START, STOP, query_terms

BM25_WEIGHTS = (10.0, 4.0, 1.0)  # title, abstract, body
SNIPPET_TOKENS = 24
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15, MaxFragments=1"
FEW = 10  # fewer all-words hits than this (or than the limit) also tries any-word
OVERFETCH = 20  # a filtered search ranks limit * OVERFETCH in FTS before filtering
_COMMON_WORDS = """
a an and are as at be by can could did do does for from has have how i if in into is it its of
on or our so than that the their them then there these this those to was we were what when where
which who why will with would you
"""
STOPWORDS = frozenset(_COMMON_WORDS.split())


@dataclass(frozen=True)
class TextQuery:
    terms: tuple[str, ...]
    any_word: bool

    def fts5(self) -> str:
        return (" OR " if self.any_word else " ").join(f'"{term}"' for term in self.terms)


def _terms(query: str) -> tuple[str, ...]:
    words = query_terms(query)
    content = tuple(w for w in words if w not in STOPWORDS)
    return content or tuple(words)


def search_text(
    session: Session, query: str, filters: PreprintFilter, limit: int
) -> tuple[list[tuple[int, float]], TextQuery | None]:
    """``(row id, score)`` best first (higher is better), and the query that found them."""
    terms = _terms(query)
    if not terms:
        return [], None
    rank = _rank_sqlite if session.get_bind().dialect.name == "sqlite" else _rank_postgres
    used = TextQuery(terms, any_word=False)
    hits = rank(session, used, filters, limit)
    if len(hits) < min(limit, FEW) and len(terms) > 1:
        used = TextQuery(terms, any_word=True)
        seen = {rid for rid, _ in hits}
        more = [hit for hit in rank(session, used, filters, limit) if hit[0] not in seen]
        hits += more[: limit - len(hits)]
    return hits, used


def _fts_rank(session: Session, match: str, limit: int) -> list[tuple[int, float]]:
    fts = sa.table("preprint_fts", sa.column("rowid"))
    fts_all: sa.ColumnElement[Any] = sa.literal_column("preprint_fts")
    bm25 = sa.func.bm25(fts_all, *BM25_WEIGHTS).label("rank")
    query = sa.select(fts.c.rowid, bm25).where(fts_all.op("MATCH")(match)).order_by(bm25)
    return [(int(rid), -float(s)) for rid, s in session.execute(query.limit(limit)).all()]


def _rank_sqlite(
    session: Session, query: TextQuery, filters: PreprintFilter, limit: int
) -> list[tuple[int, float]]:
    match = query.fts5()
    clauses = filter_clauses(filters, latest_only=False)
    if not clauses:
        return _fts_rank(session, match, limit)
    wide = _fts_rank(session, match, limit * OVERFETCH)
    keep = set(
        session.execute(
            sa.select(col(Preprint.id)).where(col(Preprint.id).in_([r for r, _ in wide]), *clauses)
        ).scalars()
    )
    hits = [hit for hit in wide if hit[0] in keep][:limit]
    if len(hits) == limit or len(wide) < limit * OVERFETCH:
        return hits
    fts = sa.table("preprint_fts", sa.column("rowid"))
    fts_all: sa.ColumnElement[Any] = sa.literal_column("preprint_fts")
    bm25 = sa.func.bm25(fts_all, *BM25_WEIGHTS).label("rank")
    joined = (
        sa.select(col(Preprint.id), bm25)
        .select_from(fts)
        .join(Preprint, col(Preprint.id) == fts.c.rowid)
        .where(fts_all.op("MATCH")(match), *clauses)
        .order_by(bm25)
        .limit(limit)
    )
    return [(int(rid), -float(s)) for rid, s in session.execute(joined).all()]


def _tsquery(query: TextQuery) -> Any:
    plain = sa.func.plainto_tsquery("english", " ".join(query.terms))
    if not query.any_word:
        return plain
    return sa.func.to_tsquery("english", sa.func.replace(sa.cast(plain, sa.Text), " & ", " | "))


def _rank_postgres(
    session: Session, query: TextQuery, filters: PreprintFilter, limit: int
) -> list[tuple[int, float]]:
    tsquery = _tsquery(query)
    vector: sa.ColumnElement[Any] = sa.literal_column("preprint.search_vector")
    rank = sa.func.ts_rank_cd(vector, tsquery).label("rank")
    ranked = session.execute(
        sa.select(col(Preprint.id), rank)
        .where(vector.op("@@")(tsquery), *filter_clauses(filters))
        .order_by(rank.desc(), col(Preprint.id))
        .limit(limit)
    ).all()
    return [(int(rid), float(score)) for rid, score in ranked]


def snippets(session: Session, query: TextQuery, row_ids: list[int]) -> dict[int, str]:
    """Best passage of each row, matches between START and STOP markers."""
    if not row_ids:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        fts = sa.table("preprint_fts", sa.column("rowid"))
        fts_all: sa.ColumnElement[Any] = sa.literal_column("preprint_fts")
        snippet = sa.func.snippet(fts_all, -1, START, STOP, "…", SNIPPET_TOKENS)
        stmt = sa.select(fts.c.rowid, snippet).where(
            fts_all.op("MATCH")(query.fts5()), fts.c.rowid.in_(row_ids)
        )
    else:
        document = col(Preprint.abstract) + " " + sa.func.left(col(Preprint.body), 20_000)
        headline = sa.func.ts_headline("english", document, _tsquery(query), HEADLINE_OPTIONS)
        stmt = sa.select(col(Preprint.id), headline).where(col(Preprint.id).in_(row_ids))
    return {int(rid): str(text) for rid, text in session.execute(stmt).all()}
