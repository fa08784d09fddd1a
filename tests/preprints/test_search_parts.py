"""The search's parts: the in-memory vector index, passages, word counts, the query cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import event

from preprints import PreprintFilter, Store
from preprints.fulltext import TermStats, search_text
from preprints.passages import Passages, stem
from preprints.vectors import INITIAL_CAPACITY, VectorIndex, to_bytes
from tests.preprints.fakes import hashing_embedder, preprint

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LABS = ("alpha", "beta", "gamma")


def random_rows(n: int, dim: int = 16, seed: int = 0) -> tuple[list[tuple], np.ndarray]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = [
        (i + 1, to_bytes(v), "verified" if i % 3 else "flagged", LABS[i % 3], None, None,
         T0 + timedelta(hours=i), f"rx-{i}")
        for i, v in enumerate(vectors)
    ]  # fmt: skip
    return rows, vectors


def brute_force(rows: list[tuple], vectors: np.ndarray, query: np.ndarray, keep, k: int) -> list:
    scored = [(float(v @ query), row[0]) for row, v in zip(rows, vectors, strict=True) if keep(row)]
    return [rid for _, rid in sorted(scored, key=lambda p: (-p[0], p[1]))[:k]]


def test_index_matches_brute_force_with_and_without_filters() -> None:
    rows, vectors = random_rows(3 * INITIAL_CAPACITY + 7)  # grows twice
    index = VectorIndex()
    index.update(rows[:100])
    index.update(rows[100:])
    assert len(index) == len(rows) and index.dim == 16
    query = vectors[5] + 0.5 * vectors[9]
    query /= np.linalg.norm(query)
    late, early = T0 + timedelta(hours=500), T0 + timedelta(hours=50)
    cases = [
        (PreprintFilter(), lambda r: True),
        (PreprintFilter(lab="beta"), lambda r: r[3] == "beta"),
        (PreprintFilter(status="flagged", lab="alpha"), lambda r: r[2:4] == ("flagged", "alpha")),
        (PreprintFilter(since=late), lambda r: r[6] >= late),
        (PreprintFilter(until=early), lambda r: r[6] < early),
        (PreprintFilter(lab="nobody"), lambda r: False),
    ]
    for filters, keep in cases:
        found = index.search(query, filters, 25)
        assert [rid for rid, _ in found] == brute_force(rows, vectors, query, keep, 25), filters
        assert all(-1.0 <= score <= 1.0 for _, score in found)
    assert index.search(query, PreprintFilter(), 10_000)[0][0] == 6


def test_a_newer_version_replaces_its_slot_and_an_older_one_does_not() -> None:
    rows, vectors = random_rows(4)
    index = VectorIndex.build(rows)
    revised = (10, to_bytes(vectors[0]), "submitted", "alpha", None, None, T0, "rx-3")
    index.update([revised, rows[3]])  # the stale old row of rx-3 comes along; it is ignored
    assert len(index) == 4 and index.size == 4
    found = dict(index.search(vectors[0], PreprintFilter(), 4))
    assert set(found) == {1, 2, 3, 10} and found[10] == pytest.approx(1.0)
    assert index.search(vectors[3], PreprintFilter(status="flagged"), 1)[0][0] == 1
    index.update([(11, None, "submitted", "alpha", None, None, T0, "rx-0")])  # no vector
    assert len(index) == 3 and 11 not in dict(index.search(vectors[0], PreprintFilter(), 9))


def test_refresh_takes_statuses_and_names_the_rows_to_read_in_full() -> None:
    rows, vectors = random_rows(3)
    index = VectorIndex.build([*rows[:2], (3, None, "submitted", "gamma", None, None, T0, "rx-2")])
    assert index.search(vectors[0], PreprintFilter(status="rejected"), 3) == []
    touched = [
        (1, "rx-0", "rejected", True),  # held: its status moves
        (3, "rx-2", "submitted", True),  # held without its vector, which now exists
        (9, "rx-9", "submitted", True),  # not held (committed late, out of id order)
        (0, "rx-1", "verified", True),  # older than the version held: ignored
    ]
    assert index.refresh(touched) == [3, 9]
    assert [r for r, _ in index.search(vectors[0], PreprintFilter(status="rejected"), 3)] == [1]
    assert [r for r, _ in index.search(vectors[1], PreprintFilter(status="verified"), 3)] == [2]


def test_an_empty_index_fills_from_its_first_update() -> None:
    index = VectorIndex()
    assert index.search(np.ones(4, np.float32), PreprintFilter(), 5) == []
    index.update([(1, None, "submitted", "alpha", None, None, T0, "rx-a")])
    assert len(index) == 0 and index.size == 1
    index.update([(2, to_bytes(np.array([1.0, 0.0], np.float32)), "submitted", "a", None, None,
                   T0, "rx-b")])  # fmt: skip
    assert index.dim == 2 and index.search(np.array([1.0, 0.0]), PreprintFilter(), 5) == [(2, 1.0)]


def test_stems_match_word_forms() -> None:
    assert {stem(w) for w in ("voting", "vote", "votes")} == {"vot"}
    assert stem("samples") == stem("sampling") == stem("sample")
    assert stem("GSM8K") == "gsm8k" and stem("at") == "at"


def test_passage_picks_the_stretch_with_most_query_words() -> None:
    cut = Passages(["voting", "samples"])
    body = "filler " * 80 + "we vote & count <samples> here " + "tail " * 80
    html = cut(["An abstract about voting only.", body, "Title"])
    assert "<mark>vote</mark>" in html and "<mark>samples</mark>" in html
    assert "&amp;" in html and "&lt;" in html and "<samples>" not in html
    assert html.startswith("…") and html.endswith("…") and len(html) < 400
    assert cut(["Voting and sampling.", body]) == "<mark>Voting</mark> and <mark>sampling</mark>."
    assert Passages(["zebra"])(["", "No match <here>.", "T"]) == "No match &lt;here&gt;."
    assert Passages([])(["Plain."]) == "Plain."


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 's.db'}", embedder=hashing_embedder)
    store.create_lab("alpha")
    yield store
    store.close()


def test_any_word_search_leaves_out_words_in_half_the_rows_without_changing_the_order(
    store: Store,
) -> None:
    topics = ["voting", "critics", "rankers", "fusers", "verifiers", "debate"]
    store.post_many(
        "alpha",
        [preprint(f"Paper {i} on {topics[i % 6]} {topics[i % 4]}", body=f"accuracy {i}")
         for i in range(40)],
    )  # fmt: skip
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    query, stats = "accuracy voting critics debate", TermStats()
    with store.engine.connect() as conn:
        plain, used = search_text(conn, query, PreprintFilter(), 20)
        pruned, _ = search_text(conn, query, PreprintFilter(), 20, stats=stats, total=40)
        assert used is not None and used.any_word
        assert stats.common(conn, used.terms, 40) == {"accuracy"}
        before = len(statements)
        search_text(conn, query, PreprintFilter(), 20, stats=stats, total=41)  # counts cached
        assert not any("count(" in s for s in statements[before:])
    assert [rid for rid, _ in pruned] == [rid for rid, _ in plain]
    assert [s for _, s in pruned] == pytest.approx([s for _, s in plain], rel=1e-4)


def test_hybrid_asks_for_any_word_only_when_short_of_hits(store: Store) -> None:
    store.post_many("alpha", [preprint(f"Voting study {i}") for i in range(3)])
    few = store.search("voting zebra", mode="hybrid")  # no row has both words
    assert few.hits and all("text" in hit.scores for hit in few.hits)
    store.post_many("alpha", [preprint(f"Voting zebra {i}") for i in range(25)])
    matched: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: matched.append(str(a[3])))
    full = store.search("voting zebra", mode="hybrid", limit=5)
    assert any('"voting" "zebra"' in params for params in matched)  # all words: enough hits
    assert not any(" OR " in params for params in matched)
    assert all(hit.preprint.title.startswith("Voting zebra") for hit in full.hits)
    text_only = [h for h in full.hits if "text" in h.scores]
    assert len(text_only) == 5


def test_query_vectors_are_cached_until_the_embedder_changes(store: Store) -> None:
    calls: list[list[str]] = []

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return hashing_embedder(texts)

    store.post("alpha", preprint("Voting"))
    store.embedder = counting
    for _ in range(3):
        assert len(store.search("voting", mode="embedding").hits) == 1
    assert calls == [["voting"]]
    store.embedder = counting  # a new embedder (even the same one) starts afresh
    store.search("voting", mode="embedding")
    assert len(calls) == 2
    store.searcher.query_cache = 0
    store.embedder = counting
    store.search("voting", mode="embedding")
    store.search("voting", mode="embedding")
    assert len(calls) == 4
