"""Benchmark: the same architecture search with and without sample replay, and random vs TPE.

    python -m benchmarks.search_replay --trials 8 --dev-size 12
    rxlab bench search ...

Prints (1) model calls and tokens sent by the same search (RandomSampler, same seed, so the
same trials) with and without replay, and (2) the best-so-far dev accuracy of random vs TPE over
trials, as a table and a plot. Numbers, not assertions: tests check behaviour elsewhere.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Run:
    label: str
    calls: int
    tokens: int
    wall_s: float
    accuracies: list[float]
    saved_calls: int = 0
    saved_tokens: int = 0


async def _one(
    label: str, task: Any, space: Any, *, model: str, home: Path, sampler: str, trials: int,
    seed: int, replay: bool, bank_path: Path | None,
) -> Run:  # fmt: skip
    from kernels import Budget, Gateway
    from search import run_search

    gateway = Gateway(home / label, cache=False)  # no response cache: count every real call
    budget = Budget()
    started = time.perf_counter()
    result = await run_search(
        task, space, gateway=gateway, budget=budget, model=model, sampler=sampler,  # type: ignore[arg-type]
        trials=trials, seed=seed, replay=replay, bank_path=bank_path,
        storage=f"sqlite:///{(home / label / 'optuna.db').resolve()}", study_name=label,
    )  # fmt: skip
    records = gateway.usage.records()
    stats = result.replay
    return Run(
        label=label,
        calls=sum(1 for r in records if not r.cached),
        tokens=sum(r.prompt_tokens + r.completion_tokens for r in records if not r.cached),
        wall_s=time.perf_counter() - started,
        accuracies=[t.accuracy or 0.0 for t in result.trials if t.state == "COMPLETE"],
        saved_calls=stats.calls_saved if stats else 0,
        saved_tokens=stats.tokens_saved if stats else 0,
    )


def best_so_far(values: list[float]) -> list[float]:
    out, best = [], 0.0
    for v in values:
        best = max(best, v)
        out.append(best)
    return out


def plot_curves(path: Path, curves: dict[str, list[float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, values in curves.items():
        ax.plot(range(1, len(values) + 1), best_so_far(values), marker="o", label=label)
    ax.set_xlabel("trial")
    ax.set_ylabel("best dev accuracy so far")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


async def run_benchmark(
    *, task_name: str = "arith", space_ref: str = "arith", model: str | None = None,
    trials: int = 8, dev_size: int = 12, seed: int = 0, out: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    import tempfile

    from rxlab.settings import get_settings
    from search import get_task, resolve_space

    space = resolve_space(space_ref)
    model = model or space.model or get_settings().task_model
    task = get_task(task_name, dev_size=dev_size, test_size=0)
    home = Path(tempfile.mkdtemp(prefix="rxlab-bench-search-"))
    common: dict[str, Any] = {"model": model, "home": home, "trials": trials, "seed": seed}
    with_replay = await _one(
        "random-replay", task, space, sampler="random", replay=True, bank_path=home / "bank.sqlite",
        **common,
    )  # fmt: skip
    without = await _one(
        "random-no-replay", task, space, sampler="random", replay=False, bank_path=None, **common
    )
    # TPE reuses the bank random filled: both samplers see the very same samples.
    tpe = await _one(
        "tpe-replay", task, space, sampler="tpe", replay=True, bank_path=home / "bank.sqlite",
        **common,
    )  # fmt: skip
    out = out or Path("bench-search")
    out.mkdir(parents=True, exist_ok=True)
    curves = {"random": with_replay.accuracies, "tpe": tpe.accuracies}
    plot_curves(out / "best_so_far.png", curves)
    report = {
        "task": task_name, "space": space.name, "model": model, "trials": trials,
        "dev_items": dev_size, "seed": seed,
        "replay": {r.label: r.__dict__ for r in (with_replay, without)},
        "best_so_far": {k: best_so_far(v) for k, v in curves.items()},
        "tpe_calls_after_random_filled_bank": tpe.calls,
    }  # fmt: skip
    (out / "bench_search.json").write_text(json.dumps(report, indent=2))
    return report


def print_report(report: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"same search ({report['trials']} random trials, {report['dev_items']} "
                  f"dev items, {report['model']}): with vs without sample replay")  # fmt: skip
    for col in ("run", "model calls", "tokens sent", "wall s", "dev acc per trial"):
        table.add_column(col)
    for label, run in report["replay"].items():
        accs = " ".join(f"{a:.2f}" for a in run["accuracies"])
        table.add_row(label, str(run["calls"]), str(run["tokens"]), f"{run['wall_s']:.1f}", accs)
    console.print(table)
    a, b = report["replay"]["random-replay"], report["replay"]["random-no-replay"]
    if b["calls"]:
        console.print(
            f"replay sent {a['calls']} calls instead of {b['calls']} "
            f"({1 - a['calls'] / b['calls']:.0%} fewer) and {a['tokens']} tokens instead of "
            f"{b['tokens']} ({1 - a['tokens'] / max(b['tokens'], 1):.0%} fewer)"
        )
    curve = Table(title="best dev accuracy so far: random vs TPE")
    curve.add_column("trial")
    for name in report["best_so_far"]:
        curve.add_column(name)
    rows = zip(*report["best_so_far"].values(), strict=False)
    for i, values in enumerate(rows, 1):
        curve.add_row(str(i), *(f"{v:.3f}" for v in values))
    console.print(curve)


def bench_search(
    task: str = "arith",
    space: str = "arith",
    model: str | None = None,
    trials: int = 8,
    dev_size: int = 12,
    seed: int = 0,
    out: Path | None = None,
) -> None:
    """Sample replay's savings and random vs TPE on one search (`rxlab bench search`)."""
    from rich.console import Console

    console = Console()
    report = asyncio.run(
        run_benchmark(
            task_name=task, space_ref=space, model=model, trials=trials, dev_size=dev_size,
            seed=seed, out=out,
        )
    )  # fmt: skip
    print_report(report, console)
    console.print(f"plot and JSON in {out or Path('bench-search')}")


if __name__ == "__main__":
    import typer

    typer.run(bench_search)
