"""Benchmark: the agent proposer vs TPE vs random on one allocation study (AgentTTS's question).

    python -m benchmarks.allocation --trials 40 --seeds 0,1,2
    rxlab bench allocation ...

All three run on the same task, space, per-item budget and seeds, and share one sample bank
(generator samples drawn once at the largest count, then reused: a trial that repeats a
prompt costs nothing, so every proposer sees the very same samples). Prints, per proposer and
seed, the trials needed to come within 2% (relative) of the best allocation any of them found
for that seed, and plots the best-so-far curves. Numbers, not assertions.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

PROPOSERS = ("agent", "tpe", "random")
TOLERANCE = 0.02  # within 2% of the best, relative
BENCH_TEST_SIZE = 10


def trials_to_reach(curve: list[float], target: float) -> int | None:
    """The first trial (1-based) whose best-so-far is at least ``target``; None if never."""
    return next((i for i, v in enumerate(curve, 1) if v >= target - 1e-12), None)


async def _runs(opts: dict[str, Any], console: Any) -> dict[str, Any]:
    import agents.allocate  # noqa: F401  (registers the agent proposer)
    from kernels import Budget, Gateway
    from search.replay import SampleBank
    from search.staged import get_staged_task
    from search.staged.proposers import get_proposer
    from search.staged.space import AllocationSpace
    from search.staged.study import run_study

    out: Path = opts["out"]
    gateway = Gateway(out / "home", cache=False)
    # the test split is not used here; a fixed size keeps the dev items (and the bank) stable
    task = get_staged_task(opts["task"], dev_size=opts["dev_size"], test_size=BENCH_TEST_SIZE)
    space = AllocationSpace(
        task,
        opts["models"],
        task.split("dev"),
        gateway,
        per_item=opts["per_item"] or Budget(),
        samples=opts["samples"],
        temperatures=opts["temperatures"],
    )
    bank = SampleBank(out / "bank.sqlite")
    storage = f"sqlite:///{(out / 'studies.db').resolve()}"
    runs: dict[str, dict[int, Any]] = {p: {} for p in PROPOSERS}
    for seed in opts["seeds"]:
        for name in PROPOSERS:
            started = time.perf_counter()
            study = await run_study(
                space,
                get_proposer(name, seed=seed),
                gateway=gateway,
                trials=opts["trials"],
                storage=storage,
                study_name=f"{task.label}-{name}-s{seed}-{opts['stamp']}",
                seed=0,
                bank=bank,
            )
            runs[name][seed] = study
            console.print(
                f"{name} seed {seed}: best {max(study.curve() or [0]):.3f} after "
                f"{len(study.evaluated())} trials, {time.perf_counter() - started:.0f} s, "
                f"bank: {bank.stats.calls_made} calls so far"
            )
    return {"space": space, "runs": runs, "bank": bank}


def summarise(runs: dict[str, dict[int, Any]], trials: int) -> dict[str, Any]:
    """Per seed: the best any proposer found; per proposer: trials needed to come within 2%."""
    seeds = sorted(next(iter(runs.values())))
    table: dict[str, Any] = {p: {"needed": [], "best": []} for p in runs}
    targets = {}
    for seed in seeds:
        best = max(max(runs[p][seed].curve() or [0.0]) for p in runs)
        targets[seed] = best
        for p in runs:
            curve = runs[p][seed].curve()
            table[p]["needed"].append(trials_to_reach(curve, best * (1 - TOLERANCE)))
            table[p]["best"].append(max(curve or [0.0]))
    for row in table.values():
        # a run that never got there counts as trials + 1 (censored), shown as '>N'
        counted = [n if n is not None else trials + 1 for n in row["needed"]]
        row["mean_needed"] = sum(counted) / len(counted)
        row["reached"] = sum(n is not None for n in row["needed"])
    return {"seeds": seeds, "targets": targets, "proposers": table}


def print_report(report: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    s = report["summary"]
    table = Table(
        title=f"trials to come within 2% of the best allocation found (per seed), "
        f"{report['task']}, {report['trials']} trials each"
    )
    for col in ("proposer", *(f"seed {x}" for x in s["seeds"]), "mean", "reached", "best dev acc"):
        table.add_column(col)
    for p, row in s["proposers"].items():
        cells = [str(n) if n is not None else f">{report['trials']}" for n in row["needed"]]
        best = " ".join(f"{b:.3f}" for b in row["best"])
        table.add_row(
            p, *cells, f"{row['mean_needed']:.1f}", f"{row['reached']}/{len(s['seeds'])}", best
        )
    console.print(table)
    targets = ", ".join(f"seed {k}: {v:.3f}" for k, v in s["targets"].items())
    console.print(f"best found by any proposer: {targets}")
    agent, rand = s["proposers"]["agent"]["mean_needed"], s["proposers"]["random"]["mean_needed"]
    verdict = "MET" if agent <= rand / 2 else "NOT met"
    console.print(
        f"target (agent needs at most half the trials of random): {verdict} "
        f"({agent:.1f} vs {rand:.1f})"
    )
    console.print(f"wall time {report['wall_s']:.0f} s; sample bank: {report['bank']}")


async def run_benchmark(opts: dict[str, Any], console: Any) -> dict[str, Any]:
    from search.staged.results import plot_curves

    out: Path = opts["out"]
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    done = await _runs(opts, console)
    summary = summarise(done["runs"], opts["trials"])
    curves = {p: [done["runs"][p][s].curve() for s in summary["seeds"]] for p in PROPOSERS}
    plot_curves(out / "best_so_far.png", curves, f"{opts['task']}: agent vs TPE vs random")
    report = {
        "task": opts["task"],
        "models": opts["models"],
        "trials": opts["trials"],
        "space": done["space"].describe(),
        "summary": summary,
        "curves": curves,
        "notes": {s: done["runs"]["agent"][s].notes for s in summary["seeds"]},
        "bank": done["bank"].stats.as_dict(),
        "wall_s": time.perf_counter() - started,
    }
    (out / "bench_allocation.json").write_text(json.dumps(report, indent=2, default=str))
    return report


def bench_allocation(
    task: str = "arith-staged",
    models: str | None = None,
    budget: str | None = None,
    trials: int = 40,
    seeds: str = "0,1,2",
    dev_size: int = 24,
    samples: str = "1,2,4,8",
    temperatures: str = "0.3,1.0",
    out: Path | None = None,
) -> None:
    """The agent proposer vs TPE vs random: trials to within 2% of the best (`rxlab bench
    allocation`). The sample bank in OUT is kept, so a second run sends no model call."""
    from rich.console import Console

    from rxlab.commands.search import parse_budget
    from rxlab.settings import get_settings

    console = Console()
    opts = {
        "task": task,
        "models": (models or get_settings().task_model).split(","),
        "per_item": parse_budget(budget) if budget else None,
        "trials": trials,
        "seeds": [int(s) for s in seeds.split(",")],
        "dev_size": dev_size,
        "samples": tuple(int(x) for x in samples.split(",")),
        "temperatures": tuple(float(x) for x in temperatures.split(",")),
        "out": out or Path("bench-allocation"),
        "stamp": int(time.time()),
    }
    report = asyncio.run(run_benchmark(opts, console))
    print_report(report, console)
    console.print(f"plot and JSON in {opts['out']}")


if __name__ == "__main__":
    import typer

    typer.run(bench_allocation)
