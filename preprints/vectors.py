"""Embedding search: one float32 matrix of the latest versions, searched with a dot product.

Vectors are L2-normalised when stored, so the dot product is the cosine similarity. The matrix
and the columns the filters need are kept together in a ``VectorIndex``; the store rebuilds it
when the table changed (its fingerprint), so a write from another process is seen too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from preprints._checks import as_naive_utc
from preprints.records import PreprintFilter

Embedder = Callable[[list[str]], ArrayLike]
"""Turns texts into vectors: ``embedder(["a", "b"])`` gives an array-like of shape (2, dim)."""


def embed_texts(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Normalised float32 vectors, one row per text; checks what the embedder gave back."""
    matrix = np.asarray(embedder(texts), dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(texts):
        raise ValueError(
            f"the embedder returned shape {matrix.shape} for {len(texts)} texts; "
            "it must return one vector per text"
        )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4")


@dataclass
class VectorIndex:
    row_ids: np.ndarray  # int64, the preprint table's primary keys
    matrix: np.ndarray  # (n, dim) float32, normalised
    status: np.ndarray  # object arrays, for filters
    lab: np.ndarray
    goal: np.ndarray
    task: np.ndarray
    created: np.ndarray  # datetime64[us]

    @classmethod
    def build(cls, rows: Sequence[tuple[Any, ...]]) -> VectorIndex:
        """From ``(id, embedding, status, lab, goal, task, created_at)`` rows."""
        vectors = [from_bytes(row[1]) for row in rows]
        dims = {len(v) for v in vectors}
        dim = max(dims, key=lambda d: sum(len(v) == d for v in vectors)) if dims else 0
        keep = [i for i, v in enumerate(vectors) if len(v) == dim]  # one model's vectors only
        pick = [rows[i] for i in keep]

        def column(j: int) -> np.ndarray:
            return np.array([row[j] for row in pick], dtype=object)

        matrix = np.stack([vectors[i] for i in keep]) if keep else np.zeros((0, 0), np.float32)
        return cls(
            row_ids=np.array([row[0] for row in pick], dtype=np.int64),
            matrix=matrix,
            status=column(2),
            lab=column(3),
            goal=column(4),
            task=column(5),
            created=np.array([as_naive_utc(row[6]) for row in pick], dtype="datetime64[us]"),
        )

    def __len__(self) -> int:
        return len(self.row_ids)

    def mask(self, filters: PreprintFilter) -> np.ndarray:
        keep = np.ones(len(self), dtype=bool)
        for name in ("status", "lab", "goal", "task"):
            wanted = getattr(filters, name)
            if wanted is not None:
                keep &= getattr(self, name) == str(wanted)
        if filters.since is not None:
            keep &= self.created >= _dt64(filters.since)
        if filters.until is not None:
            keep &= self.created < _dt64(filters.until)
        return keep

    def search(
        self, query: np.ndarray, filters: PreprintFilter, limit: int
    ) -> list[tuple[int, float]]:
        """``(row id, cosine)`` of the best ``limit`` rows that pass the filters."""
        if len(self) == 0 or query.shape[-1] != self.matrix.shape[1]:
            return []
        scores = self.matrix @ query.astype(np.float32)
        if filters == PreprintFilter():
            candidates = np.arange(len(self))
        else:
            candidates = np.flatnonzero(self.mask(filters))
        if len(candidates) == 0:
            return []
        picked = scores[candidates]
        k = min(limit, len(candidates))
        top = np.argpartition(-picked, k - 1)[:k]
        top = top[np.argsort(-picked[top], kind="stable")]
        return [(int(self.row_ids[candidates[i]]), float(picked[i])) for i in top]


def _dt64(value: datetime) -> np.datetime64:
    return np.datetime64(as_naive_utc(value), "us")
