"""The conformance suite on SQLite (always) and PostgreSQL (when a server is given)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from preprints import PreprintFilter, Store, fulltext
from preprints.engine import normalize_url
from preprints.migrate import current
from tests.preprints.conformance import StoreConformance
from tests.preprints.fakes import preprint

POSTGRES_ENV = "RXLAB_TEST_POSTGRES_URL"


class TestSQLiteStore(StoreConformance):
    @pytest.fixture
    def store_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV),
    reason=f"no PostgreSQL server given: set {POSTGRES_ENV}=postgresql://user@host:port/db to run",
)
class TestPostgresStore(StoreConformance):
    @pytest.fixture
    def store_url(self) -> Iterator[str]:
        """A fresh schema per test, dropped afterwards."""
        base = normalize_url(os.environ[POSTGRES_ENV])
        schema = f"rxlab_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_opening_migrates_once_and_keeps_a_version(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = Store(url)
    assert current(store.engine) == "0001"
    with store.engine.connect() as conn:
        tables = {row[0] for row in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert {"preprint", "claim", "verdict", "flag", "figure", "lab", "preprint_fts"} <= tables
    store.close()
    Store(url).close()  # a second open is a no-op upgrade


def test_default_store_lives_under_home(rxlab_home: Path) -> None:
    store = Store.at_home(rxlab_home)
    assert (rxlab_home / "rxlab.db").exists()
    store.close()


def test_filtered_text_search_falls_back_when_the_slice_is_not_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'f.db'}")
    store.create_lab("alpha")
    store.create_lab("beta")
    store.post_many(
        "alpha", [preprint(f"Voting voting {i}", body="voting " * 20) for i in range(6)]
    )
    weak = store.post("beta", preprint("Mostly about critics", body="one mention of voting"))
    monkeypatch.setattr(fulltext, "OVERFETCH", 2)
    with Session(store.engine) as session:
        hits, used = fulltext.search_text(session, "voting", PreprintFilter(lab="beta"), 1)
    assert used is not None and not used.any_word
    assert len(hits) == 1
    assert (
        store.search("voting", mode="text", filters=PreprintFilter(lab="beta"))
        .hits[0]
        .preprint.preprint_id
        == weak.preprint_id
    )
    store.close()
