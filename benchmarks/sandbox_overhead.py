"""Benchmark: the overhead of running ``python3 -c pass`` in a sandbox against running it directly.

    python -m benchmarks.sandbox_overhead --runs 10
    rxlab bench sandbox --runs 10

Rows, per run in seconds: the command run directly; the ``local`` backend (a subprocess, NOT
isolated); a fresh docker sandbox per run (start, exec, collect files, remove: what
``run_in_sandbox`` costs), without and with a warm pool (containers started ahead, each used
once); and one more exec in a docker sandbox that is already started. The target is under
1.5 s per fresh sandboxed run. Numbers, not assertions.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import typer

COMMAND = ["python3", "-c", "pass"]
TARGET_S = 1.5


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "mean_s": statistics.fmean(times),
        "median_s": statistics.median(times),
        "p90_s": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "min_s": ordered[0],
    }


async def _timed(runs: int, one: Callable[[], Awaitable[Any]]) -> list[float]:
    await one()  # warm-up: imports, first engine round trip
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await one()
        times.append(time.perf_counter() - started)
    return times


def _host_python() -> str:
    """The interpreter the local backend finds first (the venv's), so the rows compare alike."""
    beside = Path(sys.executable).parent / "python3"
    return str(beside) if beside.exists() else sys.executable


async def _direct() -> None:
    await asyncio.to_thread(subprocess.run, [_host_python(), *COMMAND[1:]], check=True)


async def run_benchmark(
    runs: int, *, docker: bool = True, pool: int = 2
) -> dict[str, dict[str, float]]:
    from sandbox import Sandbox, get_backend, run_in_sandbox

    rows = {"direct": _stats(await _timed(runs, _direct))}

    async def local() -> None:
        await run_in_sandbox(COMMAND, backend="local")

    rows["local backend (NOT isolated)"] = _stats(await _timed(runs, local))
    if not docker:
        return rows
    for label, pool_size in (("", 0), (f", warm pool of {pool}", pool)):
        if label and not pool:
            continue
        backend = get_backend("docker", pool_size=pool_size)
        try:

            async def fresh(backend: Any = backend) -> None:
                evidence = await run_in_sandbox(COMMAND, backend=backend)
                if not evidence.ok:
                    raise RuntimeError(f"sandboxed run failed: {evidence.stderr}")

            rows[f"docker: fresh sandbox per run{label}"] = _stats(await _timed(runs, fresh))
        finally:
            await backend.close()
    backend = get_backend("docker")
    try:
        async with Sandbox(backend) as box:

            async def warm() -> None:
                await box.exec(COMMAND, collect_files=False)

            rows["docker: one more exec in a started sandbox"] = _stats(await _timed(runs, warm))
    finally:
        await backend.close()
    return rows


def print_report(rows: dict[str, dict[str, float]], console: Any) -> None:
    from rich.table import Table

    direct = rows["direct"]["mean_s"]
    table = Table(title=f"sandbox overhead: {' '.join(COMMAND)}, seconds per run")
    for column in ("how", "mean", "median", "p90", "min", "overhead vs direct"):
        table.add_column(column, justify="left" if column == "how" else "right")
    for how, row in rows.items():
        table.add_row(
            how,
            *(f"{row[key]:.3f}" for key in ("mean_s", "median_s", "p90_s", "min_s")),
            "-" if how == "direct" else f"+{row['mean_s'] - direct:.3f}",
        )
    console.print(table)
    for how, row in rows.items():
        if how.startswith("docker: fresh"):
            verdict = "meets" if row["mean_s"] < TARGET_S else "MISSES"
            console.print(f"{how}: {row['mean_s']:.3f} s/run, {verdict} the {TARGET_S} s target")


def bench_sandbox(
    runs: int = typer.Option(10, "--runs", min=1, help="timed runs per row (after one warm-up)"),
    docker: bool = typer.Option(True, "--docker/--no-docker", help="include the docker rows"),
    pool: int = typer.Option(
        2, "--pool", min=0, help="warm pool size for the pooled row (0: none)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the numbers as JSON"),
) -> None:
    """Sandboxed `python3 -c pass` against the same command run directly, per run."""
    from rich.console import Console

    rows = asyncio.run(run_benchmark(runs, docker=docker, pool=pool))
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        print_report(rows, Console())


if __name__ == "__main__":
    typer.run(bench_sandbox)
