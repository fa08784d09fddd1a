"""Search with the real offline MiniLM embedder (kernels.embeddings), as the app wires it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from kernels.embeddings import DIMENSIONS, embed
from preprints import Store
from tests.web.conftest import body
from web import create_app

pytestmark = pytest.mark.slow


def test_embed_gives_normalised_vectors() -> None:
    vectors = embed(["a car", "an automobile", "banana bread"])
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embed([]).shape == (0, DIMENSIONS)


def test_meaning_finds_what_words_miss(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'real.db'}", embedder=embed)
    token = store.create_lab("alpha")[1]
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(store=store)) as client:
        for title in ("Automobile engine efficiency", "Banana bread recipes", "Protein folding"):
            client.post("/api/preprints", json=body(title), headers=auth)
        query = {"q": "fuel economy of car motors"}
        text = client.get("/api/search", params={**query, "mode": "text"}).json()
        meaning = client.get("/api/search", params={**query, "mode": "embedding"}).json()
        hybrid = client.get("/api/search", params=query).json()
    assert text["hits"] == []
    assert meaning["hits"][0]["preprint"]["title"] == "Automobile engine efficiency"
    assert [h["preprint"]["title"] for h in meaning["hits"]] == ["Automobile engine efficiency"]
    assert hybrid["hits"][0]["preprint"]["title"] == "Automobile engine efficiency"
    store.close()
