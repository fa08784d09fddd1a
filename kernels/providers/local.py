"""``local/<name>``: the embedded model, loaded once per process and shared."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_load_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(name: str) -> Any:
    from kernels.local_model import TransformersBackend

    return TransformersBackend(name)


def local_backend(name: str) -> Any:
    """The loaded backend for local model ``name`` (loading takes a few seconds, once)."""
    with _load_lock:
        return _load(name)
