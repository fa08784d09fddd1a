"""Benchmark of the preprint store: upload throughput and search latency at 10,000 preprints.

Generates ``n`` preprints from a vocabulary of methods, tasks and models, uploads them in
batches with real MiniLM embeddings (``kernels.embeddings``), then times full-text, embedding
and hybrid queries (p50 and p95), each next to the store's previous search path
(:mod:`benchmarks.preprint_naive`), run right after it on the same queries. The embedding and
hybrid rows include embedding the query (no query cache); the "vector given" rows time the store
alone; the last row times MiniLM encoding a query on its own.

    rxlab bench preprints            # or: python -m benchmarks.preprint_search --n 2000
    rxlab bench preprints --url sqlite:///path/bench.db --reuse   # time again, no upload
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

TARGET_P95_MS = 50.0
METHODS = [
    "self-consistency",
    "majority voting",
    "a critic",
    "a ranker",
    "a fuser",
    "a verifier",
    "generated unit tests",
    "best-of-n sampling",
    "tree search",
    "beam search",
    "chain of thought",
    "self-reflection",
    "multi-agent debate",
    "mixture of agents",
    "reranking",
    "answer fusion",
    "test-time compute allocation",
    "speculative decoding",
]
TASKS = [
    "arithmetic",
    "GSM8K",
    "HumanEval",
    "MBPP",
    "MATH",
    "code generation",
    "summarization",
    "translation",
    "open-domain question answering",
    "multi-hop reasoning",
    "retrieval",
    "theorem proving",
    "SQL generation",
    "instruction following",
    "commonsense reasoning",
]
MODELS = ["SmolLM2-135M", "a 1B model", "GPT-4o-mini", "Llama-3-8B", "Qwen2-7B", "Mistral-7B"]
FINDINGS = [
    "improves accuracy",
    "cuts token cost",
    "helps small models most",
    "saturates quickly",
    "hurts calibration",
    "is robust to prompt changes",
    "fails on long inputs",
    "beats a larger single model",
    "needs diverse samples",
    "overfits the dev split",
]
STATUSES = ["submitted", "verified", "rejected", "flagged"]


def generate(n: int, seed: int = 0) -> list[Any]:
    """``n`` varied, plausible preprints (``PreprintCreate``)."""
    from preprints import ClaimCreate, PreprintCreate

    rng = random.Random(seed)
    out = []
    for i in range(n):
        method, task, model = rng.choice(METHODS), rng.choice(TASKS), rng.choice(MODELS)
        finding, other = rng.choice(FINDINGS), rng.choice(METHODS)
        k, acc = rng.choice([3, 5, 8, 16, 32]), round(rng.uniform(0.2, 0.9), 3)
        title = f"{method.capitalize()} {finding} on {task} with {model} ({i})"
        abstract = (
            f"We study {method} for {task} using {model}. With {k} samples it reaches "
            f"{acc:.1%} accuracy on the dev split, and {finding}. Compared with {other}, "
            f"it spends {rng.randint(2, 40)}x the tokens."
        )
        body = (
            f"# {title}\n\n## Method\n\nWe combine {method} with {other} and sweep k.\n\n"
            f"| k | accuracy | tokens |\n| --- | --- | --- |\n"
            + "".join(f"| {j} | {acc * j / k:.3f} | {j * 300} |\n" for j in (1, k // 2 or 1, k))
            + f"\n## Findings\n\nOn {task}, {method} {finding}. Seeds: {rng.randint(1, 9)}.\n"
        )
        claim = ClaimCreate(metric="accuracy", value=acc, spec={"method": method, "k": k})
        out.append(
            PreprintCreate(
                title=title,
                abstract=abstract,
                body=body,
                task=task,
                goal=f"goal-{i % 50}",
                claims=[claim],
            )
        )
    return out


def queries(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    shapes: list[Callable[[], str]] = [
        lambda: f"{rng.choice(METHODS)} {rng.choice(TASKS)}",
        lambda: f"does {rng.choice(METHODS)} help {rng.choice(MODELS)} on {rng.choice(TASKS)}",
        lambda: f"{rng.choice(FINDINGS)} {rng.choice(TASKS)}",
        lambda: rng.choice(TASKS),
        lambda: f"cheaper alternatives to {rng.choice(METHODS)} for small models",
    ]
    return [rng.choice(shapes)() for _ in range(count)]


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples_s)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def _upload(
    store: Any, items: list[Any], batch: int, console: Console
) -> tuple[float, float, float]:
    """Seconds for the batched upload, of that seconds embedding, and seconds per single post."""
    from preprints import Status, VerdictCreate

    store.create_lab("bench")
    started = time.perf_counter()
    embedder = store.embedder
    timed = _Timed(embedder)
    store.embedder = timed
    for i in range(0, len(items), batch):
        posted = store.post_many("bench", items[i : i + batch])
        for p in posted[:: len(STATUSES) + 1]:
            status = Status(random.Random(p.preprint_id).choice(STATUSES[1:]))
            verdicts = [VerdictCreate(claim=0, reproduced=status is Status.verified)]
            store.record_gate_decision(p.preprint_id, status, verdicts=verdicts)
        console.print(f"  uploaded {min(i + batch, len(items))}/{len(items)}", end="\r")
    store.embedder = embedder
    total_s, embed_s = time.perf_counter() - started, timed.seconds
    single = generate(20, seed=99)
    started = time.perf_counter()
    for item in single:
        store.post("bench", item)
    return total_s, embed_s, (time.perf_counter() - started) / len(single)


class _Timed:
    def __init__(self, embedder: Any) -> None:
        self.embedder, self.seconds = embedder, 0.0

    def __call__(self, texts: list[str]) -> Any:
        started = time.perf_counter()
        try:
            return self.embedder(texts)
        finally:
            self.seconds += time.perf_counter() - started


Run = Callable[[str], object]
WARM_UP = 5


def _timed(runs: dict[str, Run], qs: list[str]) -> dict[str, list[float]]:
    """Seconds per query for each contender, one contender after the other (taking turns query
    by query would let the old path's BLAS threads, still spinning, slow the next contender)."""
    samples: dict[str, list[float]] = {}
    for name, run in runs.items():
        for q in qs[:WARM_UP]:  # the vector index, SQLite pages, the model
            run(q)
        samples[name] = []
        for q in qs:
            started = time.perf_counter()
            run(q)
            samples[name].append(time.perf_counter() - started)
    return samples


def bench_preprints(
    n: Annotated[int, typer.Option(help="preprints to load")] = 10_000,
    n_queries: Annotated[int, typer.Option("--queries", help="queries per mode")] = 200,
    batch: Annotated[int, typer.Option(help="preprints per upload batch")] = 500,
    url: Annotated[str | None, typer.Option(help="database URL (default: a temp SQLite)")] = None,
    reuse: Annotated[
        bool, typer.Option(help="skip the upload when the database at --url has n already")
    ] = False,
    naive: Annotated[bool, typer.Option(help="time the previous search path alongside")] = True,
) -> dict[str, Any]:
    """Load ``n`` generated preprints, print upload throughput and search p50/p95 per mode."""
    from kernels.embeddings import embed
    from preprints import Store

    console = Console()
    url = url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='rxlab-bench-')) / 'bench.db'}"
    console.print(f"generating {n} preprints; store at {url}")
    embed(["warm up"])  # model load is not upload time
    store = Store(url, embedder=embed)
    upload = None
    if not (reuse and store.list().total >= n):
        upload = _upload(store, generate(n), batch, console)
    load_before = os.getloadavg()
    rows, encode = _measure(store, queries(n_queries), embed, naive)
    load = (load_before, os.getloadavg())
    result = _report(console, store.list().total, upload, rows, encode, load)
    store.close()
    return result


def _measure(
    store: Any, qs: list[str], embed: Callable[[list[str]], Any], naive: bool
) -> tuple[dict[str, dict[str, list[float]]], list[float]]:
    """Latencies per row (store and previous path), end to end and with the query vector given;
    then the query encoding alone."""
    from benchmarks.preprint_naive import NaiveSearch
    from preprints import PreprintFilter

    old = NaiveSearch(store) if naive else None
    flagged = PreprintFilter(status="flagged")
    plan = [
        ("full-text", "text", PreprintFilter()),
        ("embedding", "embedding", PreprintFilter()),
        ("hybrid", "hybrid", PreprintFilter()),
        ("hybrid + status filter", "hybrid", flagged),
    ]
    vectors = dict(zip(qs, embed(qs), strict=True))
    rows: dict[str, dict[str, list[float]]] = {}
    store.searcher.query_cache = 0  # every query is encoded, as a new query would be
    for given in (False, True):
        store.embedder = (lambda texts: [vectors[t] for t in texts]) if given else embed
        for label, mode, filters in plan[1:3] if given else plan:
            runs: dict[str, Run] = {"store": _searcher(store, mode, filters)}
            if old is not None:
                runs["naive"] = _searcher(old, mode, filters)
            rows[label + (", vector given" if given else "")] = _timed(runs, qs)
    store.embedder = embed
    store.searcher.query_cache = len(qs)
    hybrid = _searcher(store, "hybrid", PreprintFilter())
    for q in qs:
        hybrid(q)  # every query seen once: its vector is cached
    rows["hybrid, cached query vector"] = _timed({"store": hybrid}, qs)
    encode = []
    for q in qs:
        started = time.perf_counter()
        embed([q])
        encode.append(time.perf_counter() - started)
    return rows, encode


def _searcher(target: Any, mode: str, filters: Any) -> Run:
    from preprints import Store

    if isinstance(target, Store):
        return lambda q: target.search(q, mode=mode, filters=filters, limit=20)
    return lambda q: target.search(q, mode, filters, 20)


def _report(
    console: Console,
    n: int,
    upload: tuple[float, float, float] | None,
    rows: dict[str, dict[str, list[float]]],
    encode: list[float],
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> dict[str, Any]:
    result: dict[str, Any] = {"n": n, "search": {}, "load_average": load}
    if upload is not None:
        total_s, embed_s, single_s = upload
        console.print(
            f"upload: {n} preprints in {total_s:.1f} s = {n / total_s:.1f}/s in batches "
            f"({embed_s:.1f} s of it embedding: {n / embed_s:.1f} texts/s; store alone "
            f"{n / max(total_s - embed_s, 1e-9):.0f}/s); one at a time: {1 / single_s:.1f}/s"
        )
        result["upload_per_s"] = n / total_s
    table = Table(
        title=f"search latency over {n} preprints (limit 20), target p95 < {TARGET_P95_MS:.0f} ms"
    )
    for column in ("mode", "p50 ms", "p95 ms", "naive p50", "naive p95", "target"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for mode, samples in rows.items():
        p50, p95 = percentiles(samples["store"])
        entry = result["search"][mode] = {"p50_ms": p50, "p95_ms": p95}
        old = ("-", "-")
        if "naive" in samples:
            o50, o95 = percentiles(samples["naive"])
            entry.update(naive_p50_ms=o50, naive_p95_ms=o95)
            old = (f"{o50:.1f}", f"{o95:.1f}")
        met = "met" if p95 < TARGET_P95_MS else "missed"
        table.add_row(mode, f"{p50:.1f}", f"{p95:.1f}", *old, met)
    e50, e95 = percentiles(encode)
    table.add_row("(query embedding alone)", f"{e50:.1f}", f"{e95:.1f}", "", "", "")
    result["query_embedding"] = {"p50_ms": e50, "p95_ms": e95}
    console.print(table)
    before, after = (" ".join(f"{x:.2f}" for x in avg) for avg in load)
    console.print(
        f"load average (1, 5, 15 min) before: {before}; after: {after} ({os.cpu_count()} cpus)"
    )
    return result


if __name__ == "__main__":
    typer.run(bench_preprints)
