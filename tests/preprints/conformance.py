"""The store conformance suite: every database the store supports passes this same class.

A subclass provides a ``store_url`` fixture giving a fresh, empty database URL per test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from preprints import (
    ClaimCreate,
    Conflict,
    EmbeddingsUnavailable,
    FlagCreate,
    Forbidden,
    Invalid,
    NotFound,
    PreprintFilter,
    SearchMode,
    Status,
    Store,
    TooLarge,
    UnsupportedMedia,
    VerdictCreate,
)
from tests.preprints.fakes import hashing_embedder, png_bytes, preprint

OpenStore = Callable[..., Store]


class StoreConformance:
    @pytest.fixture
    def open_store(self, store_url: str) -> Iterator[OpenStore]:
        opened: list[Store] = []

        def _open(embedder: object = hashing_embedder) -> Store:
            store = Store(store_url, embedder=embedder)  # type: ignore[arg-type]
            opened.append(store)
            return store

        yield _open
        for store in opened:
            store.close()

    @pytest.fixture
    def store(self, open_store: OpenStore) -> Store:
        store = open_store()
        store.create_lab("alpha")
        store.create_lab("beta")
        return store

    # --- labs and tokens -----------------------------------------------------------------
    def test_token_authenticates_its_lab_only(self, open_store: OpenStore) -> None:
        store = open_store()
        lab, token = store.create_lab("gamma")
        _, other = store.create_lab("delta")
        assert lab.name == "gamma" and token.startswith("rxl_")
        assert store.authenticate(token).name == "gamma"  # type: ignore[union-attr]
        assert store.authenticate(other).name == "delta"  # type: ignore[union-attr]
        assert store.authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        assert store.authenticate("not-a-token") is None
        with store.engine.connect() as conn:
            stored = conn.execute(text("SELECT token_id, token_salt, token_hash FROM lab")).all()
        assert all(token.split("_", 2)[2] not in "".join(map(str, row)) for row in stored)

    def test_lab_names_are_unique_and_checked(self, store: Store) -> None:
        with pytest.raises(Conflict, match="exists already"):
            store.create_lab("alpha")
        with pytest.raises(Invalid, match="not allowed"):
            store.create_lab("Bad Name!")

    def test_rotated_token_replaces_the_old_one(self, open_store: OpenStore) -> None:
        store = open_store()
        _, old = store.create_lab("gamma")
        new = store.rotate_token("gamma")
        assert store.authenticate(old) is None
        assert store.authenticate(new).name == "gamma"  # type: ignore[union-attr]

    # --- posting, revising, reading -------------------------------------------------------
    def test_post_then_get_round_trips(self, store: Store) -> None:
        posted = store.post("alpha", preprint("Voting helps", goal="g1", task="gsm8k"))
        got = store.get(posted.preprint_id)
        assert got == posted
        assert (got.version, got.latest_version, got.status) == (1, 1, Status.submitted)
        assert got.claims[0].metric == "accuracy" and got.claims[0].spec == {"seed": 1}
        assert (got.goal, got.task, got.lab) == ("g1", "gsm8k", "alpha")
        assert got.created_at.tzinfo is not None

    def test_revision_is_a_new_version_and_keeps_the_old(self, store: Store) -> None:
        first = store.post("alpha", preprint("Voting helps"))
        claims = [ClaimCreate(metric="accuracy", value=0.7)]
        second = store.revise(
            "alpha", first.preprint_id, preprint("Voting helps more", claims=claims)
        )
        assert (second.version, second.latest_version) == (2, 2)
        assert store.get(first.preprint_id).title == "Voting helps more"
        old = store.get(first.preprint_id, 1)
        assert old.title == "Voting helps" and old.claims[0].value == 0.61
        assert old.latest_version == 2
        assert [v.version for v in store.versions(first.preprint_id)] == [1, 2]
        assert store.list().total == 1

    def test_a_lab_cannot_revise_another_labs_preprint(self, store: Store) -> None:
        posted = store.post("alpha", preprint("Mine"))
        with pytest.raises(Forbidden, match="belongs to lab 'alpha'"):
            store.revise("beta", posted.preprint_id, preprint("Hijacked"))
        assert [v.version for v in store.versions(posted.preprint_id)] == [1]
        assert store.get(posted.preprint_id).title == "Mine"

    def test_unknown_things_are_not_found(self, store: Store) -> None:
        with pytest.raises(NotFound):
            store.get("rx-0000000000")
        with pytest.raises(NotFound):
            store.get(store.post("alpha", preprint()).preprint_id, 7)
        with pytest.raises(NotFound):
            store.revise("alpha", "rx-0000000000", preprint())
        with pytest.raises(Invalid, match="does not exist"):
            store.post("nobody", preprint())

    def test_lineage_and_cited_by(self, store: Store) -> None:
        a = store.post("alpha", preprint("Base"))
        b = store.post("beta", preprint("Builds on base", builds_on=[a.preprint_id]))
        c = store.post(
            "alpha", preprint("Builds on both", builds_on=[a.preprint_id, b.preprint_id])
        )
        assert c.builds_on == [a.preprint_id, b.preprint_id]
        assert {s.preprint_id for s in store.cited_by(a.preprint_id)} == {
            b.preprint_id,
            c.preprint_id,
        }
        graph = store.lineage(b.preprint_id, depth=1)
        assert {n.preprint_id for n in graph.nodes} == {a.preprint_id, b.preprint_id, c.preprint_id}
        edges = {(e.citing, e.cited) for e in graph.edges}
        assert (b.preprint_id, a.preprint_id) in edges and (c.preprint_id, b.preprint_id) in edges
        with pytest.raises(Invalid, match="do not exist"):
            store.post("alpha", preprint("Dangling", builds_on=["rx-ffffffffff"]))
        with pytest.raises(Invalid, match="cannot build on itself"):
            store.revise("alpha", a.preprint_id, preprint("Self", builds_on=[a.preprint_id]))

    # --- figures -------------------------------------------------------------------------
    def test_figures_are_content_addressed_and_checked(self, store: Store) -> None:
        data = png_bytes()
        figure = store.add_figure("alpha", "acc.png", "image/png", data)
        assert len(figure.sha256) == 64 and figure.size == len(data)
        assert store.add_figure("beta", "again.png", "image/png", data).sha256 == figure.sha256
        meta, stored = store.figure(figure.sha256)
        assert stored == data and meta.media_type == "image/png"
        posted = store.post("alpha", preprint("With figure", figures=[figure.sha256]))
        assert [f.filename for f in posted.figures] == ["acc.png"]
        with pytest.raises(UnsupportedMedia):
            store.add_figure("alpha", "x.png", "image/png", b"<svg></svg>")
        with pytest.raises(UnsupportedMedia):
            store.add_figure("alpha", "x.jpg", "image/jpeg", data)
        store.max_figure_bytes = 100
        with pytest.raises(TooLarge):
            store.add_figure("alpha", "big.png", "image/png", data)
        with pytest.raises(Invalid, match="not uploaded"):
            store.post("alpha", preprint("Missing figure", figures=["0" * 64]))

    # --- the gate ------------------------------------------------------------------------
    def test_only_a_gate_decision_changes_status(self, store: Store) -> None:
        posted = store.post("alpha", preprint("Claims"))
        pid = posted.preprint_id
        with pytest.raises(Invalid, match="reproduced verdict for every claim"):
            store.record_gate_decision(pid, Status.verified)
        with pytest.raises(Invalid, match="claims \\[3\\]"):
            store.record_gate_decision(
                pid, Status.rejected, verdicts=[VerdictCreate(claim=3, reproduced=False)]
            )
        with pytest.raises(Invalid, match="critical flag"):
            store.record_gate_decision(
                pid,
                Status.verified,
                verdicts=[VerdictCreate(claim=0, reproduced=True)],
                flags=[FlagCreate(kind="test-split-read", severity="critical")],
            )
        assert store.get(pid).status is Status.submitted
        verdict = VerdictCreate(
            claim=0, reproduced=True, value=0.6, interval_low=0.55, interval_high=0.65
        )
        decided = store.record_gate_decision(pid, Status.verified, verdicts=[verdict])
        assert decided.status is Status.verified
        assert decided.claims[0].verdicts[0].interval_high == 0.65
        revised = store.revise("alpha", pid, preprint("Claims v2"))
        assert revised.status is Status.submitted
        assert store.get(pid, 1).status is Status.verified

    def test_flags_are_kept_with_evidence(self, store: Store) -> None:
        pid = store.post("alpha", preprint("Suspicious")).preprint_id
        flag = FlagCreate(kind="hardcoded-answers", severity="warning", evidence={"line": 12})
        flagged = store.record_gate_decision(pid, Status.flagged, flags=[flag])
        assert flagged.status is Status.flagged
        assert flagged.flags[0].evidence == {"line": 12}

    # --- listing -------------------------------------------------------------------------
    def test_list_filters_and_pages(self, store: Store) -> None:
        for i in range(5):
            store.post("alpha" if i % 2 else "beta", preprint(f"Paper {i}", goal=f"g{i % 2}"))
        first = store.list(limit=2)
        assert first.total == 5 and len(first.items) == 2
        assert first.items[0].title == "Paper 4"  # newest first
        assert store.list(limit=2, offset=4).items[0].title == "Paper 0"
        assert store.list(PreprintFilter(lab="alpha")).total == 2
        assert store.list(PreprintFilter(goal="g0", lab="beta")).total == 3
        assert store.list(PreprintFilter(status=Status.verified)).total == 0
        now = datetime.now(UTC)
        assert store.list(PreprintFilter(since=now - timedelta(hours=1))).total == 5
        assert store.list(PreprintFilter(until=now - timedelta(hours=1))).total == 0

    # --- search --------------------------------------------------------------------------
    def test_text_search_ranks_and_marks(self, store: Store) -> None:
        store.post("alpha", preprint("Ranking critics", body="Critics rank answers."))
        store.post("beta", preprint("Self consistency voting", body="We vote over many samples."))
        store.post("beta", preprint("Unrelated", body="Nothing about it."))
        results = store.search("voting samples", mode=SearchMode.text)
        assert results.mode is SearchMode.text
        assert results.hits[0].preprint.title == "Self consistency voting"
        assert results.hits[0].score == 1.0
        assert "<mark>" in results.hits[0].snippet
        assert [h.preprint.lab for h in store.search("critics", mode="text").hits] == ["alpha"]
        assert store.search("critics", mode="text", filters=PreprintFilter(lab="beta")).hits == []
        assert store.search("", mode="text").hits == []
        assert store.search('"; DROP TABLE preprint; -- OR *', mode="text").hits == []

    def test_search_sees_only_latest_versions(self, store: Store) -> None:
        pid = store.post("alpha", preprint("Zebra stripes")).preprint_id
        store.revise("alpha", pid, preprint("Giraffe necks"))
        for mode in SearchMode:
            hits = store.search("giraffe", mode=mode).hits
            assert [(h.preprint.preprint_id, h.preprint.version) for h in hits] == [(pid, 2)]
        assert store.search("zebra", mode="text").hits == []

    def test_embedding_and_hybrid_search(self, store: Store) -> None:
        a = store.post("alpha", preprint("Majority vote over samples"))
        store.post("beta", preprint("Protein folding kinetics"))
        results = store.search("majority vote", mode=SearchMode.embedding)
        assert results.hits[0].preprint.preprint_id == a.preprint_id
        assert 0 < results.hits[0].scores["embedding"] <= 1.0
        hybrid = store.search("majority vote", mode="hybrid")
        assert hybrid.hits[0].preprint.preprint_id == a.preprint_id
        assert hybrid.hits[0].score == pytest.approx(1.0)
        assert set(hybrid.hits[0].scores) == {"text", "embedding"}
        assert len(results.hits) == 1  # the unrelated one is under the similarity floor
        mine = store.search("majority vote", mode="embedding", filters=PreprintFilter(lab="alpha"))
        assert [h.preprint.lab for h in mine.hits] == ["alpha"]
        other = store.search("majority vote", mode="embedding", filters=PreprintFilter(lab="beta"))
        assert other.hits == []

    def test_new_posts_are_searchable_at_once_even_from_another_store(
        self, store: Store, open_store: OpenStore
    ) -> None:
        store.post("alpha", preprint("First topic"))
        assert len(store.search("topic", mode="embedding").hits) == 1  # index now cached
        other = open_store()
        other.post("beta", preprint("Second topic"))
        assert len(store.search("topic", mode="embedding").hits) == 2
        pid = store.search("second", mode="text").hits[0].preprint.preprint_id
        other.record_gate_decision(pid, Status.flagged)
        flagged = store.search("topic", mode="embedding", filters=PreprintFilter(status="flagged"))
        assert [h.preprint.preprint_id for h in flagged.hits] == [pid]

    def test_without_embedder(self, open_store: OpenStore) -> None:
        store = open_store(embedder=None)
        store.create_lab("alpha")
        store.post("alpha", preprint("Voting without vectors"))
        with pytest.raises(EmbeddingsUnavailable, match="mode='text'"):
            store.search("voting", mode="embedding")
        assert store.search("voting", mode="hybrid").mode is SearchMode.text
        store.embedder = hashing_embedder
        assert store.search("voting", mode="embedding").hits == []
        assert store.reembed() == 1
        assert len(store.search("voting", mode="embedding").hits) == 1

    def test_post_many_and_reopen_lose_nothing(self, store: Store, open_store: OpenStore) -> None:
        posted = store.post_many("alpha", [preprint(f"Batch {i}") for i in range(4)])
        pid = posted[0].preprint_id
        store.revise("alpha", pid, preprint("Batch 0 revised"))
        store.record_gate_decision(pid, Status.rejected)
        store.close()
        reopened = open_store()
        assert reopened.list().total == 4
        assert [v.version for v in reopened.versions(pid)] == [1, 2]
        assert reopened.get(pid).status is Status.rejected
        assert reopened.search("revised", mode="text").hits[0].preprint.preprint_id == pid
        assert len(reopened.search("batch", mode="embedding").hits) == 4
