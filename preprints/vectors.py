"""Embedding search: one contiguous float32 matrix of the latest versions, searched in memory.

Vectors are L2-normalised when stored, so a dot product is the cosine similarity. A
``VectorIndex`` keeps one slot per preprint (its latest version): the vector and the columns the
filters need, as numpy arrays. It is filled once and then updated in place with the rows that
changed (:meth:`VectorIndex.update`); :mod:`preprints.search` decides when, so that a write from
another store or process is seen by the next search.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from preprints._checks import as_naive_utc
from preprints.records import PreprintFilter

Embedder = Callable[[list[str]], ArrayLike]
"""Turns texts into vectors: ``embedder(["a", "b"])`` gives an array-like of shape (2, dim)."""

FILTER_COLUMNS = ("status", "lab", "goal", "task")
INITIAL_CAPACITY = 1024


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


class _Codes:
    """A column of short strings kept as int32 codes, so a filter is one vectorised compare."""

    def __init__(self, capacity: int) -> None:
        self.codes = np.full(capacity, -1, dtype=np.int32)
        self.values: dict[str | None, int] = {}

    def code(self, value: Any) -> int:
        return self.values.setdefault(None if value is None else str(value), len(self.values))

    def grow(self, capacity: int) -> None:
        self.codes = _grown(self.codes, capacity, -1)


def _grown(array: np.ndarray, capacity: int, fill: Any) -> np.ndarray:
    out = np.full((capacity, *array.shape[1:]), fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


def _row_key(row: Sequence[Any]) -> Any:
    return row[7] if len(row) > 7 else row[0]


class VectorIndex:
    """The latest version of each preprint: row id, vector and filter columns, one slot each.

    Rows are ``(row id, embedding bytes or None, status, lab, goal, task, created_at[, key])``;
    ``key`` (the preprint id; default: the row id) names the slot, so a revision replaces the
    old version's slot. Vectors whose length is not the index's ``dim`` (another model's) are
    kept out of the search.
    """

    def __init__(self, dim: int = 0, capacity: int = INITIAL_CAPACITY) -> None:
        self.dim = dim
        self.size = 0  # slots in use
        self.searchable = 0  # slots with a vector of length dim
        self.row_ids = np.full(capacity, -1, dtype=np.int64)
        self.matrix = np.zeros((capacity, dim), dtype=np.float32)
        self.valid = np.zeros(capacity, dtype=bool)
        self.created = np.zeros(capacity, dtype="datetime64[us]")
        self.columns = {name: _Codes(capacity) for name in FILTER_COLUMNS}
        self.slots: dict[Any, int] = {}

    @classmethod
    def build(cls, rows: Sequence[Sequence[Any]]) -> VectorIndex:
        """A new index of ``rows``; its ``dim`` is the commonest vector length among them."""
        index = cls(capacity=max(INITIAL_CAPACITY, len(rows)))
        index.update(rows)
        return index

    def __len__(self) -> int:
        """How many preprints can be found by embedding."""
        return self.searchable

    def update(self, rows: Sequence[Sequence[Any]]) -> None:
        """Put each row in its preprint's slot, unless the slot holds a newer version already."""
        if self.dim == 0:
            lengths = Counter(len(row[1]) // 4 for row in rows if row[1])
            if lengths:
                self.dim = lengths.most_common(1)[0][0]
                self.matrix = np.zeros((len(self.row_ids), self.dim), dtype=np.float32)
        newest: dict[Any, Sequence[Any]] = {}
        for row in sorted(rows, key=lambda row: row[0]):
            newest[_row_key(row)] = row
        fresh = []
        for key, row in newest.items():
            slot = self.slots.get(key)
            if slot is None:
                fresh.append(row)
            elif self.row_ids[slot] <= row[0]:  # not older than the version in the slot
                self._write(np.array([slot]), [row])
        if fresh:
            self._reserve(len(fresh))
            slots = np.arange(self.size, self.size + len(fresh))
            self.slots.update(zip(map(_row_key, fresh), slots.tolist(), strict=True))
            self.size += len(fresh)
            self._write(slots, fresh)

    def refresh(self, rows: Sequence[Sequence[Any]]) -> list[int]:
        """Take the status from ``(row id, key, status, has vector)`` rows the index holds; give
        the ids of the rows it has not got (or has without their vector), to read in full."""
        wanted = []
        for row_id, key, status, has_vector in rows:
            slot = self.slots.get(key)
            held = -1 if slot is None else int(self.row_ids[slot])
            if held < row_id or (held == row_id and has_vector and not self.valid[slot]):
                wanted.append(row_id)
            elif held == row_id:
                self.columns["status"].codes[slot] = self.columns["status"].code(status)
        return wanted

    def _write(self, slots: np.ndarray, rows: Sequence[Sequence[Any]]) -> None:
        blobs = [row[1] for row in rows]
        fits = np.array([bool(b) and len(b) == 4 * self.dim for b in blobs], dtype=bool)
        self.searchable += int(fits.sum()) - int(self.valid[slots].sum())
        self.valid[slots] = fits
        if fits.any():
            joined = b"".join(b for b, ok in zip(blobs, fits, strict=True) if ok)
            self.matrix[slots[fits]] = np.frombuffer(joined, dtype="<f4").reshape(-1, self.dim)
        self.row_ids[slots] = [row[0] for row in rows]
        self.created[slots] = [np.datetime64(as_naive_utc(row[6]), "us") for row in rows]
        for j, name in enumerate(FILTER_COLUMNS, start=2):
            column = self.columns[name]
            column.codes[slots] = [column.code(row[j]) for row in rows]

    def _reserve(self, extra: int) -> None:
        capacity = len(self.row_ids)
        if self.size + extra <= capacity:
            return
        while capacity < self.size + extra:
            capacity *= 2
        self.row_ids = _grown(self.row_ids, capacity, -1)
        self.matrix = _grown(self.matrix, capacity, 0.0)
        self.valid = _grown(self.valid, capacity, False)
        self.created = _grown(self.created, capacity, np.datetime64(0, "us"))
        for column in self.columns.values():
            column.grow(capacity)

    def mask(self, filters: PreprintFilter) -> np.ndarray | None:
        """Slots that pass the filters and have a vector; ``None`` when that is every slot."""
        n = self.size
        keep = None if self.searchable == n else self.valid[:n].copy()
        for name in FILTER_COLUMNS:
            wanted = getattr(filters, name)
            if wanted is not None:
                code = self.columns[name].values.get(str(wanted), -2)
                match = self.columns[name].codes[:n] == code
                keep = match if keep is None else keep & match
        for bound, inside in ((filters.since, np.greater_equal), (filters.until, np.less)):
            if bound is not None:
                match = inside(self.created[:n], _dt64(bound))
                keep = match if keep is None else keep & match
        return keep

    def search(
        self, query: np.ndarray, filters: PreprintFilter, limit: int
    ) -> list[tuple[int, float]]:
        """``(row id, cosine)`` of the best ``limit`` slots that pass the filters, best first."""
        if self.searchable == 0 or query.shape[-1] != self.dim or limit < 1:
            return []
        # einsum's own loop, one thread: BLAS threads stall when the cores are busy (10-20x)
        scores = np.einsum("ij,j->i", self.matrix[: self.size], query.astype(np.float32))
        keep = self.mask(filters)
        candidates = np.flatnonzero(keep) if keep is not None else None
        if candidates is not None:
            if len(candidates) == 0:
                return []
            scores = scores[candidates]
        k = min(limit, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(k)
        top = top[np.argsort(-scores[top], kind="stable")]
        slots = top if candidates is None else candidates[top]
        return list(zip(self.row_ids[slots].tolist(), scores[top].tolist(), strict=True))


def _dt64(value: datetime) -> np.datetime64:
    return np.datetime64(as_naive_utc(value), "us")
