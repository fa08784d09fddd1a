"""Concurrent requests to the embedded model: one engine batch per request (the engine's lock,
as before batching) against the batcher's shared batches, same requests, same process.

    rxlab bench batching --requests 32 --in-flight 8 --samples 8
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

QUESTION = "Which number is larger, {a} or {b}?"
SYSTEM = "Answer with a single number and nothing else."


def _timed(fn: Callable[[Any], Any], items: list[Any], in_flight: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(fn, items))
    return time.perf_counter() - started


def bench_batching(
    requests: int = typer.Option(32, min=1),
    in_flight: int = typer.Option(8, min=1, help="requests sent at once (a search uses 8)"),
    samples: int = typer.Option(8, min=1),
    max_tokens: int = typer.Option(8, min=1),
) -> None:
    """Requests per second with and without batching concurrent requests together."""
    from kernels.engine.outputs import Request
    from kernels.engine.sampling import SamplingParams
    from kernels.local_model import EngineBackend

    backend = EngineBackend()
    params = SamplingParams(n=samples, temperature=0.7, max_tokens=max_tokens, seed=1)
    prompts = [
        backend.engine.encode_chat(
            [{"role": "system", "content": SYSTEM},
             {"role": "user", "content": QUESTION.format(a=10 + i % 80, b=95 - i % 80)}]
        )
        for i in range(requests)
    ]  # fmt: skip
    backend.engine.generate(prompts[0], params)  # warm up
    alone = _timed(lambda ids: backend.engine.generate(ids, params), prompts, in_flight)
    before = backend.batcher.batches
    shared = _timed(lambda ids: backend.batcher.generate(Request(ids, params)), prompts, in_flight)
    table = Table(title=f"{requests} requests, n={samples}, {in_flight} in flight")
    for col in ("", "seconds", "requests/s", "engine batches"):
        table.add_column(col)
    table.add_row("one batch per request", f"{alone:.2f}", f"{requests / alone:.2f}", str(requests))
    table.add_row(
        "batched",
        f"{shared:.2f}",
        f"{requests / shared:.2f}",
        str(backend.batcher.batches - before),
    )
    Console().print(table)
    Console().print(f"speed-up: {alone / shared:.2f}x")
