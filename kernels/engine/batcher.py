"""Batching of concurrent requests: callers in many threads, one engine batch at a time.

While the engine runs a batch, new requests queue; when it finishes, every queued request
(up to ``max_rows`` sample rows) goes into the next batch together. Under the concurrency that
searches and the gate use (8 items in flight), this turns eight batches of n rows into one of
8n rows, where the CPU's matrix multiplies are far more efficient. Each request keeps its own
seeded generator, so its samples do not depend on what it was batched with (up to the float
rounding of a different batch shape)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kernels.engine.outputs import Request, RequestOutput

if TYPE_CHECKING:
    from kernels.engine.engine import Engine

DEFAULT_MAX_ROWS = 64


@dataclass
class _Pending:
    request: Request
    future: Future[RequestOutput] = field(default_factory=Future)

    @property
    def rows(self) -> int:
        return 1 if self.request.params.greedy else self.request.params.n


class Batcher:
    """Runs ``engine.generate_batch`` on whatever requests are waiting, one batch at a time."""

    def __init__(self, engine: Engine, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.engine = engine
        self.max_rows = max_rows
        self._queue: list[_Pending] = []
        self._cond = threading.Condition()
        self._busy = False
        self.batches = 0  # how many engine batches ran (for tests and benchmarks)

    def generate(self, request: Request) -> RequestOutput:
        """The output of ``request``; blocks until its batch has run."""
        pending = _Pending(request)
        with self._cond:
            self._queue.append(pending)
            leader = not self._busy
            if leader:
                self._busy = True
        if leader:
            self._drain()
        return pending.future.result()

    def _take(self) -> list[_Pending]:
        """The next batch: queued requests in order while they fit in ``max_rows``."""
        with self._cond:
            batch: list[_Pending] = []
            rows = 0
            while self._queue and (not batch or rows + self._queue[0].rows <= self.max_rows):
                item = self._queue.pop(0)
                batch.append(item)
                rows += item.rows
            if not batch:
                self._busy = False
            return batch

    def _drain(self) -> None:
        """The caller that found the engine idle runs batches until the queue is empty."""
        while batch := self._take():
            self.batches += 1
            try:
                outputs = self.engine.generate_batch([p.request for p in batch])
            except BaseException as exc:  # one bad request must not fail the others silently
                if len(batch) == 1:
                    batch[0].future.set_exception(exc)
                    continue
                self._one_by_one(batch)
                continue
            for pending, output in zip(batch, outputs, strict=True):
                pending.future.set_result(output)

    def _one_by_one(self, batch: list[_Pending]) -> None:
        for pending in batch:
            try:
                pending.future.set_result(self.engine.generate_batch([pending.request])[0])
            except BaseException as exc:
                pending.future.set_exception(exc)
