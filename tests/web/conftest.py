"""Fixtures for the web tests: a store on a SQLite file with two labs, and a client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from preprints import Store
from tests.preprints.fakes import hashing_embedder
from web import create_app


@dataclass
class Site:
    store: Store
    client: TestClient
    tokens: dict[str, str]
    url: str

    def auth(self, lab: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[lab]}"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    store = Store(url, embedder=hashing_embedder)
    tokens = {name: store.create_lab(name)[1] for name in ("alpha", "beta")}
    with TestClient(create_app(store=store), raise_server_exceptions=False) as client:
        yield Site(store, client, tokens, url)
    store.close()


def body(title: str = "Voting helps", **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": title,
        "abstract": f"About {title.lower()}.",
        "body": f"# {title}\n\nText.\n",
        "claims": [{"metric": "accuracy", "value": 0.61, "split": "dev", "spec": {"k": 5}}],
    }
    data.update(extra)
    return data
