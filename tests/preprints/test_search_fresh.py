"""Search stays right while other stores and processes write: the in-memory index catches up.

Each store keeps its embedding index in memory and updates it from the table's fingerprint, so
these tests write through a second ``Store`` (or a second process) and search through the first.
They run on SQLite, and on PostgreSQL when ``RXLAB_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlmodel import SQLModel

from preprints import PreprintFilter, SearchMode, Status, Store
from preprints.search import CLOCK_SLACK
from tests.preprints import test_store
from tests.preprints.conformance import StoreConformance
from tests.preprints.fakes import preprint

OpenStore = Callable[..., Store]
LATE = timedelta(seconds=5)  # how much earlier than its commit a late change is stamped
POST_FROM_ANOTHER_PROCESS = """
import sys
from preprints import Store
from tests.preprints.fakes import hashing_embedder, preprint
store = Store(sys.argv[1], embedder=hashing_embedder)
print(store.post("beta", preprint(sys.argv[2])).preprint_id)
store.close()
"""


def ids(store: Store, query: str, mode: str, **filters: object) -> list[str]:
    found = store.search(query, mode=mode, filters=PreprintFilter(**filters))  # type: ignore[arg-type]
    return [hit.preprint.preprint_id for hit in found.hits]


class FreshSearch:
    open_store = StoreConformance.open_store

    @pytest.fixture
    def reader(self, open_store: OpenStore) -> Store:
        store = open_store()
        store.create_lab("alpha")
        store.create_lab("beta")
        store.post_many("alpha", [preprint(f"Critic ranking {i}") for i in range(3)])
        assert len(ids(store, "critic ranking", "embedding")) == 3  # the index is loaded
        return store

    def test_a_post_from_another_store_is_found_at_once(
        self, reader: Store, open_store: OpenStore
    ) -> None:
        writer = open_store()
        for n in range(3):
            pid = writer.post("beta", preprint(f"Zebra voting {n}")).preprint_id
            for mode in SearchMode:
                assert pid in ids(reader, "zebra voting", mode), (n, mode)
        assert len(ids(reader, "zebra voting", "embedding", lab="beta")) == 3

    def test_a_revision_from_another_store_replaces_the_old_version(
        self, reader: Store, open_store: OpenStore
    ) -> None:
        writer = open_store()
        pid = writer.post("beta", preprint("Zebra stripes")).preprint_id
        assert ids(reader, "zebra stripes", "embedding") == [pid]
        writer.revise("beta", pid, preprint("Giraffe necks"))
        for mode in SearchMode:
            assert ids(reader, "zebra stripes", mode) == [], mode
            hits = reader.search("giraffe necks", mode=mode).hits
            assert [(h.preprint.preprint_id, h.preprint.version) for h in hits] == [(pid, 2)]

    def test_a_gate_decision_from_another_store_moves_the_filter(
        self, reader: Store, open_store: OpenStore
    ) -> None:
        writer = open_store()
        pid = ids(reader, "critic ranking", "embedding")[0]
        assert ids(reader, "critic ranking", "embedding", status="flagged") == []
        writer.record_gate_decision(pid, Status.flagged)
        for mode in SearchMode:
            assert ids(reader, "critic ranking", mode, status="flagged") == [pid], mode
        hit = reader.search("critic ranking", mode="embedding").hits
        assert {h.preprint.status for h in hit} == {Status.flagged, Status.submitted}

    def test_a_late_commit_within_the_clock_slack_is_picked_up(
        self, reader: Store, open_store: OpenStore
    ) -> None:
        """A decision stamped before the newest change the reader saw, but committed after it,
        is seen once anything moves the table's fingerprint again."""
        assert LATE < CLOCK_SLACK
        pid = ids(reader, "critic ranking", "embedding")[0]
        writer = open_store()
        writer.post("beta", preprint("Something else"))
        assert ids(reader, "something else", "embedding")  # the reader saw that change
        table = SQLModel.metadata.tables["preprint"]
        with writer.engine.begin() as conn:
            newest = conn.execute(select(func.max(table.c.updated_at))).scalar_one()
            conn.execute(
                update(table)
                .where(table.c.preprint_id == pid, table.c.is_latest)
                .values(status="rejected", updated_at=newest - LATE)
            )
        writer.post("beta", preprint("A later change"))
        assert ids(reader, "critic ranking", "embedding", status="rejected") == [pid]

    def test_reembedding_from_another_store_is_found(self, open_store: OpenStore) -> None:
        plain = open_store(embedder=None)
        plain.create_lab("alpha")
        plain.post("alpha", preprint("Voting without vectors"))
        reader = open_store()
        assert ids(reader, "voting", "embedding") == []
        assert open_store().reembed() == 1
        assert len(ids(reader, "voting", "embedding")) == 1

    def test_a_post_from_another_process_is_found(self, reader: Store, store_url: str) -> None:
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", POST_FROM_ANOTHER_PROCESS, store_url, "Okapi herding"],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            timeout=120,
            check=True,
        )
        pid = done.stdout.strip().splitlines()[-1]
        for mode in SearchMode:
            assert ids(reader, "okapi herding", mode) == [pid], mode

    def test_searching_while_another_thread_posts(self, reader: Store) -> None:
        errors: list[BaseException] = []
        stop = threading.Event()

        def search_until_stopped() -> None:
            try:
                while not stop.is_set():
                    reader.search("yak shaving", mode="hybrid")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=search_until_stopped) for _ in range(2)]
        for thread in threads:
            thread.start()
        posted = [reader.post("beta", preprint(f"Yak shaving {i}")).preprint_id for i in range(8)]
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert set(ids(reader, "yak shaving", "embedding")) == set(posted)


class TestFreshSearchSQLite(FreshSearch):
    store_url = test_store.TestSQLiteStore.store_url


@pytest.mark.skipif(
    not os.environ.get(test_store.POSTGRES_ENV),
    reason=f"no PostgreSQL server given: set {test_store.POSTGRES_ENV}=postgresql://... to run",
)
class TestFreshSearchPostgres(FreshSearch):
    store_url = test_store.TestPostgresStore.store_url
