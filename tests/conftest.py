"""Shared fixtures: every test gets its own RXLAB_HOME and no leftover global state."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def rxlab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh RXLAB_HOME per test, so caches and databases never leak between tests."""
    home = tmp_path / "rxlab-home"
    monkeypatch.setenv("RXLAB_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    yield home
