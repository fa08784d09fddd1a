"""``local/<name>``: the embedded model, loaded once per process and shared.

The backend is rxlab's engine; ``RXLAB_LOCAL_BACKEND=transformers`` picks the transformers
reference instead (for comparisons and debugging).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Any

BACKEND_ENV = "RXLAB_LOCAL_BACKEND"
BACKENDS = ("engine", "transformers")

_load_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(name: str, backend: str) -> Any:
    from kernels.local_model import EngineBackend, TransformersBackend

    if backend == "transformers":
        return TransformersBackend(name)
    return EngineBackend(name)


def backend_choice() -> str:
    choice = os.environ.get(BACKEND_ENV, "engine").strip().lower()
    if choice not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV}={choice!r}: expected one of {', '.join(BACKENDS)}")
    return choice


def local_backend(name: str) -> Any:
    """The loaded backend for local model ``name`` (loading takes a few seconds, once)."""
    with _load_lock:
        return _load(name, backend_choice())
