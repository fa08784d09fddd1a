"""Benchmark of the preprint store: upload throughput and search latency at 10,000 preprints.

Generates ``n`` preprints from a vocabulary of methods, tasks and models, uploads them in
batches with real MiniLM embeddings (``kernels.embeddings``), then times full-text, embedding
and hybrid queries (p50 and p95; the embedding and hybrid timings include embedding the query).

    rxlab bench preprints            # or: python -m benchmarks.preprint_search --n 2000
"""

from __future__ import annotations

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


def _time_searches(store: Any, qs: list[str], **kwargs: Any) -> list[float]:
    for q in qs[:5]:
        store.search(q, **kwargs)  # warm caches (the vector matrix, SQLite pages)
    samples = []
    for q in qs:
        started = time.perf_counter()
        store.search(q, limit=20, **kwargs)
        samples.append(time.perf_counter() - started)
    return samples


def bench_preprints(
    n: Annotated[int, typer.Option(help="preprints to load")] = 10_000,
    n_queries: Annotated[int, typer.Option("--queries", help="queries per mode")] = 200,
    batch: Annotated[int, typer.Option(help="preprints per upload batch")] = 500,
    url: Annotated[str | None, typer.Option(help="database URL (default: a temp SQLite)")] = None,
    reuse: Annotated[
        bool, typer.Option(help="skip the upload when the database at --url has n already")
    ] = False,
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
    rows, encode = _measure(store, queries(n_queries), embed)
    result = _report(console, store.list().total, upload, rows, encode)
    store.close()
    return result


def _measure(
    store: Any, qs: list[str], embed: Callable[[list[str]], Any]
) -> tuple[dict[str, list[float]], tuple[float, float]]:
    """Latencies per mode, end to end and with the query vector given; query encoding alone."""
    from preprints import PreprintFilter

    flagged = PreprintFilter(status="flagged")
    rows = {
        "full-text": _time_searches(store, qs, mode="text"),
        "embedding": _time_searches(store, qs, mode="embedding"),
        "hybrid": _time_searches(store, qs, mode="hybrid"),
        "hybrid + status filter": _time_searches(store, qs, mode="hybrid", filters=flagged),
    }
    vectors = dict(zip(qs, embed(qs), strict=True))
    store.embedder = lambda texts: [vectors[t] for t in texts]  # the store alone, no model
    rows["embedding, query vector given"] = _time_searches(store, qs, mode="embedding")
    rows["hybrid, query vector given"] = _time_searches(store, qs, mode="hybrid")
    encode = []
    for q in qs:
        started = time.perf_counter()
        embed([q])
        encode.append(time.perf_counter() - started)
    store.embedder = embed
    return rows, percentiles(encode)


def _report(
    console: Console,
    n: int,
    upload: tuple[float, float, float] | None,
    rows: dict[str, list[float]],
    encode: tuple[float, float],
) -> dict[str, Any]:
    result: dict[str, Any] = {"n": n, "search": {}}
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
    for column in ("mode", "p50 ms", "p95 ms", "target"):
        table.add_column(column)
    for mode, samples in rows.items():
        p50, p95 = percentiles(samples)
        result["search"][mode] = {"p50_ms": p50, "p95_ms": p95}
        table.add_row(mode, f"{p50:.1f}", f"{p95:.1f}", "met" if p95 < TARGET_P95_MS else "missed")
    table.add_row("(query embedding alone)", f"{encode[0]:.1f}", f"{encode[1]:.1f}", "")
    result["query_embedding"] = {"p50_ms": encode[0], "p95_ms": encode[1]}
    console.print(table)
    return result


if __name__ == "__main__":
    typer.run(bench_preprints)
