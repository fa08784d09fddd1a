"""The batcher: concurrent requests share engine batches, each gets its own output, errors
reach only their caller; and on the real engine a batched request samples what it would alone."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from kernels.engine.batcher import Batcher
from kernels.engine.outputs import Request
from kernels.engine.sampling import SamplingParams


class SlowEngine:
    """Answers each request with its own prompt; records the batches it was given."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.lock = threading.Lock()

    def generate_batch(self, requests: list[Request]) -> list[Any]:
        with self.lock:
            self.batches.append([r.prompt_ids[0] for r in requests])
        time.sleep(0.05)
        if any(r.prompt_ids[0] < 0 for r in requests):
            raise ValueError("negative prompt")
        return [("out", r.prompt_ids[0]) for r in requests]


def _request(i: int, n: int = 2) -> Request:
    return Request([i], SamplingParams(n=n, temperature=0.7, max_tokens=4))


def test_concurrent_requests_share_batches_and_get_their_own_outputs() -> None:
    engine = SlowEngine()
    batcher = Batcher(engine, max_rows=8)  # type: ignore[arg-type]
    with ThreadPoolExecutor(8) as pool:
        outputs = list(pool.map(lambda i: batcher.generate(_request(i)), range(16)))
    assert outputs == [("out", i) for i in range(16)]
    assert len(engine.batches) < 16  # some requests were batched together
    assert all(len(b) <= 4 for b in engine.batches)  # 4 requests x 2 rows = max_rows
    assert sorted(i for b in engine.batches for i in b) == list(range(16))


def test_a_failing_request_fails_alone() -> None:
    engine = SlowEngine()
    batcher = Batcher(engine)  # type: ignore[arg-type]
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(batcher.generate, _request(i)) for i in (1, -1, 2, 3)]
    with pytest.raises(ValueError, match="negative prompt"):
        futures[1].result()
    assert [futures[i].result() for i in (0, 2, 3)] == [("out", 1), ("out", 2), ("out", 3)]


@pytest.mark.slow
def test_real_engine_greedy_output_is_the_same_batched_or_alone() -> None:
    from kernels.local_model import EngineBackend

    backend = EngineBackend()
    greedy = SamplingParams(n=1, temperature=0.0, max_tokens=6)
    prompts = [
        backend.engine.encode_chat([{"role": "user", "content": f"What is {i} + {i}?"}])
        for i in range(1, 7)
    ]
    alone = [backend.engine.generate(p, greedy).texts for p in prompts]
    with ThreadPoolExecutor(6) as pool:
        batched = list(
            pool.map(lambda p: backend.batcher.generate(Request(p, greedy)).texts, prompts)
        )
    assert batched == alone
