"""Full-text search: SQLite FTS5 (bm25) or PostgreSQL text search (ts_rank_cd).

``search_text`` ranks. A query is all of its words first (common words such as "the" or "does"
left out); when that finds too little, any of them. On SQLite the any-word query leaves out the
words that are in at least half of the indexed preprints: bm25 gives such a word an idf of
1e-6, so it moves a score by millionths, but matching it would score nearly every row
(:class:`TermStats` counts and caches how many rows each word is in). Rows that have only such
words rank last; they are fetched only when the other words match too few rows.

On SQLite the FTS table holds only the latest versions, so an unfiltered search never touches
the preprint table; a filtered one ranks a generous slice in FTS and filters that, and only
ranks the join when the slice was not enough.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlmodel import Session, col

from preprints._query import filter_clauses
from preprints.models import Preprint
from preprints.records import PreprintFilter
from preprints.snippets import query_terms

BM25_WEIGHTS = (10.0, 4.0, 1.0)  # title, abstract, body
FEW = 10  # fewer all-words hits than this (or than the limit) also tries any-word
OVERFETCH = 20  # a filtered search ranks limit * OVERFETCH in FTS before filtering
_COMMON_WORDS = """
a an and are as at be by can could did do does for from has have how i if in into is it its of
on or our so than that the their them then there these this those to was we were what when where
which who why will with would you
"""
STOPWORDS = frozenset(_COMMON_WORDS.split())
FTS_RANK = (
    "SELECT rowid, bm25(preprint_fts, {}, {}, {}) AS rank FROM preprint_fts "
    "WHERE preprint_fts MATCH ? ORDER BY rank LIMIT ?"
).format(*BM25_WEIGHTS)
FTS_COUNT = "SELECT count(*) FROM preprint_fts WHERE preprint_fts MATCH ?"
Reader = Session | Connection


@dataclass(frozen=True)
class TextQuery:
    terms: tuple[str, ...]
    any_word: bool

    def fts5(self) -> str:
        return (" OR " if self.any_word else " ").join(f'"{term}"' for term in self.terms)


def query_words(query: str) -> tuple[str, ...]:
    """The words a text search looks for (common words left out unless there is nothing else)."""
    words = query_terms(query)
    content = tuple(w for w in words if w not in STOPWORDS)
    return content or tuple(words)


_terms = query_words


class TermStats:
    """How many indexed preprints each word is in (SQLite), counted once and then cached.

    A count is reused while the number of indexed preprints stays within ``tolerance`` of the
    number it was counted at; the cache keeps the ``size`` words used last.
    """

    def __init__(self, size: int = 4096, tolerance: float = 0.1) -> None:
        self.size, self.tolerance = size, tolerance
        self._counts: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._lock = threading.Lock()

    def common(self, reader: Reader, terms: tuple[str, ...], total: int) -> set[str]:
        """The terms that are in at least half of the ``total`` indexed preprints."""
        return {term for term in terms if 2 * self._count(reader, term, total) >= total > 0}

    def _count(self, reader: Reader, term: str, total: int) -> int:
        with self._lock:
            cached = self._counts.get(term)
            if cached is not None and abs(cached[1] - total) <= self.tolerance * cached[1]:
                self._counts.move_to_end(term)
                return cached[0]
        match = TextQuery((term,), any_word=False).fts5()
        count = int(_connection(reader).exec_driver_sql(FTS_COUNT, (match,)).scalar_one())
        with self._lock:
            self._counts[term] = (count, total)
            self._counts.move_to_end(term)
            while len(self._counts) > self.size:
                self._counts.popitem(last=False)
        return count


def _is_sqlite(reader: Reader) -> bool:
    bind = reader if isinstance(reader, Connection) else reader.get_bind()
    return bind.dialect.name == "sqlite"


def search_text(
    reader: Reader,
    query: str,
    filters: PreprintFilter,
    limit: int,
    *,
    stats: TermStats | None = None,
    total: int = 0,
    any_word: bool = True,
) -> tuple[list[tuple[int, float]], TextQuery | None]:
    """``(row id, score)`` best first (higher is better), and the query that found them.

    With ``any_word=False`` there is no any-word fallback. With ``stats`` and ``total`` (the
    number of indexed preprints) the any-word query on SQLite leaves out the words in at least
    half of them (see the module's docstring).
    """
    terms = _terms(query)
    if not terms:
        return [], None
    sqlite = _is_sqlite(reader)
    rank = _rank_sqlite if sqlite else _rank_postgres
    used = TextQuery(terms, any_word=False)
    hits = rank(reader, used, filters, limit)
    if any_word and len(hits) < min(limit, FEW) and len(terms) > 1:
        used = TextQuery(terms, any_word=True)
        seen = {rid for rid, _ in hits}
        common = stats.common(reader, terms, total) if stats and sqlite else set()
        rare = tuple(term for term in terms if term not in common)
        more: list[tuple[int, float]] = []
        if common and rare:  # rows with only common words rank last; fetch them if needed
            more = rank(reader, replace(used, terms=rare), filters, limit)
        if len([hit for hit in more if hit[0] not in seen]) < limit - len(hits):
            more = rank(reader, used, filters, limit)
        hits += [hit for hit in more if hit[0] not in seen][: limit - len(hits)]
    return hits, used


def _connection(reader: Reader) -> Connection:
    return reader if isinstance(reader, Connection) else reader.connection()


def _fts_rank(reader: Reader, match: str, limit: int) -> list[tuple[int, float]]:
    rows = _connection(reader).exec_driver_sql(FTS_RANK, (match, limit)).all()
    return [(int(rid), -float(score)) for rid, score in rows]


def _rank_sqlite(
    reader: Reader, query: TextQuery, filters: PreprintFilter, limit: int
) -> list[tuple[int, float]]:
    match = query.fts5()
    clauses = filter_clauses(filters, latest_only=False)
    if not clauses:
        return _fts_rank(reader, match, limit)
    wide = _fts_rank(reader, match, limit * OVERFETCH)
    keep = set(
        reader.execute(
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
    return [(int(rid), -float(s)) for rid, s in reader.execute(joined).all()]


def _tsquery(query: TextQuery) -> Any:
    plain = sa.func.plainto_tsquery("english", " ".join(query.terms))
    if not query.any_word:
        return plain
    return sa.func.to_tsquery("english", sa.func.replace(sa.cast(plain, sa.Text), " & ", " | "))


def _rank_postgres(
    reader: Reader, query: TextQuery, filters: PreprintFilter, limit: int
) -> list[tuple[int, float]]:
    tsquery = _tsquery(query)
    vector: sa.ColumnElement[Any] = sa.literal_column("preprint.search_vector")
    rank = sa.func.ts_rank_cd(vector, tsquery).label("rank")
    ranked = reader.execute(
        sa.select(col(Preprint.id), rank)
        .where(vector.op("@@")(tsquery), *filter_clauses(filters))
        .order_by(rank.desc(), col(Preprint.id))
        .limit(limit)
    ).all()
    return [(int(rid), float(score)) for rid, score in ranked]
