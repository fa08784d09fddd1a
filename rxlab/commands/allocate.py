"""`rxlab allocate`: search per-stage models, sample counts and temperatures (AgentTTS-style).

rxlab allocate --task arith-staged --models local/smollm2-135m --budget 600 --trials 20
rxlab allocate --proposer agent,tpe,random ...     # several studies, one curve each
rxlab allocate tasks                               # the staged tasks
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rxlab.commands.search import parse_budget
from rxlab.settings import get_settings

console = Console()
app = typer.Typer(help="Test-time budget allocation for multi-stage tasks (AgentTTS-style).")


def _numbers(text: str, kind: type) -> tuple[Any, ...]:
    try:
        return tuple(kind(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise typer.BadParameter(f"cannot read {text!r}; give numbers joined by commas") from None


def _per_item(text: str | None) -> Any:
    from kernels import Budget

    return Budget() if text is None else parse_budget(text)


async def _studies(opts: dict[str, Any], bar: Any) -> tuple[Any, list[Any]]:
    import agents.allocate  # noqa: F401  (registers the agent proposer)
    from kernels import Gateway
    from search.replay import SampleBank
    from search.staged import get_staged_task
    from search.staged.proposers import ProposalContext, get_proposer
    from search.staged.space import AllocationSpace
    from search.staged.study import run_study

    settings, home = get_settings(), get_settings().ensure_home()
    sizes = {"dev_size": opts["dev_size"]} if opts["dev_size"] else {}
    task = get_staged_task(opts["task"], **sizes)
    gateway = Gateway(home, cache=settings.cache)
    space = AllocationSpace(
        task,
        opts["models"],
        task.split("dev"),
        gateway,
        per_item=_per_item(opts["budget"]),
        samples=opts["samples"],
        temperatures=opts["temperatures"],
    )
    bank = SampleBank(home / "replay" / f"allocate-{task.label}.sqlite")
    studies = []
    for name in opts["proposers"]:
        proposer = get_proposer(name, seed=opts["seed"])
        ctx = ProposalContext(space, gateway, settings.agent_model, seed=opts["seed"])
        job = bar.add_task(f"{name}: trials", total=opts["trials"])
        items = bar.add_task(f"{name}: dev items of this trial", total=len(space.items))

        def tick(t: Any, job: int = job, items: int = items) -> None:
            bar.advance(job)
            bar.reset(items)
            bar.console.print(f"{t.proposer} trial {t.number}: {t.label}  acc={t.accuracy:.3f}")

        def tick_item(_: Any, items: int = items) -> None:
            bar.advance(items)

        studies.append(
            await run_study(
                space,
                proposer,
                gateway=gateway,
                trials=opts["trials"],
                storage=opts["storage"],
                study_name=opts["study"] and f"{opts['study']}-{name}",
                seed=opts["seed"],
                bank=bank,
                budget=parse_budget(opts["study_budget"]),
                batch=opts["batch"],
                ctx=ctx,
                progress=tick,
                item_progress=tick_item,
            )
        )
    return space, studies


async def _run(opts: dict[str, Any]) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kernels import Budget
    from search.staged import Allocation
    from search.staged.results import best_of, evaluate_on_test, write_results

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        space, studies = await _studies(opts, bar)
        best, comparison = best_of(studies), None
        if best is not None and opts["test"]:
            n = opts["test_items"] or len(space.task.split("test"))
            testing = bar.add_task("test split: baseline, then best", total=2 * n)
            comparison = await evaluate_on_test(
                space,
                Allocation.from_spec({**best.allocation, "name": "best"}),
                gateway=space.gateway,
                budget=Budget(),
                seed=opts["seed"],
                max_items=opts["test_items"],
                progress=lambda _: bar.advance(testing),
            )
    out = opts["out"] or get_settings().home / "allocations" / f"{space.task.label}-s{opts['seed']}"
    summary = write_results(out, studies, space, comparison)
    summary["out"] = str(out)
    return summary


def _print(summary: dict[str, Any]) -> None:
    table = Table(title=f"allocation studies ({summary['out']})")
    for col in ("proposer", "trials", "best dev acc", "curve (best so far)"):
        table.add_column(col)
    for s in summary["studies"]:
        curve = " ".join(f"{v:.2f}" for v in s["curve"])
        table.add_row(s["proposer"], str(s["evaluated"]), f"{max(s['curve'] or [0]):.3f}", curve)
    console.print(table)
    best = summary.get("best_dev")
    if best:
        console.print(
            f"best on dev: {best['label']} ({best['accuracy']:.3f}, proposer {best['proposer']})"
        )
    test = summary.get("test")
    if test:
        for label, row in (("best", test["best"]), ("baseline", test["baseline"])):
            console.print(
                f"test {label}: {row['accuracy']:.3f} [{row['ci_low']:.3f}, "
                f"{row['ci_high']:.3f}] n={row['n']}, {row['tokens_per_item']} tokens/item"
            )
        lo, hi = test["difference_ci"]
        verdict = "beats" if test["beats_baseline_ci"] else "does NOT beat"
        console.print(
            f"best - baseline: {test['difference']:+.3f} (paired 95% CI [{lo:+.3f}, "
            f"{hi:+.3f}]); the best {verdict} the baseline's 95% CI"
        )


@app.callback(invoke_without_command=True)
def allocate(
    context: typer.Context,
    task: str = typer.Option("arith-staged", "--task", help="staged task or a stages YAML file"),
    models: str | None = typer.Option(None, "--models", help="models joined by commas"),
    budget: str | None = typer.Option(None, "--budget", help="per item: '600', '$0.001'"),
    proposer: str = typer.Option("agent", "--proposer", help="agent, tpe, random (or a,b,c)"),
    trials: int = typer.Option(20, "--trials", min=1, help="evaluated trials per proposer"),
    seed: int = typer.Option(0, "--seed"),
    samples: str = typer.Option("1,2,4,8", "--samples", help="sample counts a stage may get"),
    temperatures: str = typer.Option("0.3,0.7,1.0", "--temperatures"),
    dev_size: int | None = typer.Option(None, "--dev-size", help="dev items (task default)"),
    study_budget: str | None = typer.Option(None, "--study-budget", help="for each study"),
    batch: int = typer.Option(1, "--batch", min=1, help="proposals per round"),
    out: Path | None = typer.Option(None, "--out", help="results folder"),
    storage: str | None = typer.Option(None, "--storage", help="optuna storage URL"),
    study: str | None = typer.Option(None, "--study", help="study name prefix (to resume)"),
    test: bool = typer.Option(True, "--test/--no-test", help="check the best on the test split"),
    test_items: int | None = typer.Option(None, "--test-items", help="test items (all)"),
) -> None:
    """Search allocations on the dev split; plot best-so-far; check the best on test."""
    from kernels import GatewayError
    from search import SearchError

    if context.invoked_subcommand is not None:
        return
    opts = {
        "task": task,
        "models": (models or get_settings().task_model).split(","),
        "budget": budget,
        "proposers": [p.strip() for p in proposer.split(",") if p.strip()],
        "trials": trials,
        "seed": seed,
        "samples": _numbers(samples, int),
        "temperatures": _numbers(temperatures, float),
        "dev_size": dev_size,
        "study_budget": study_budget,
        "batch": batch,
        "out": out,
        "storage": storage,
        "study": study,
        "test": test,
        "test_items": test_items,
    }
    try:
        summary = asyncio.run(_run(opts))
    except (SearchError, GatewayError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _print(summary)


@app.command("tasks")
def tasks() -> None:
    """List the staged tasks and their stages."""
    from search.staged import get_staged_task, list_staged_tasks

    table = Table(title="staged tasks")
    for col in ("task", "stages", "description"):
        table.add_column(col)
    for name in list_staged_tasks():
        t = get_staged_task(name)
        stages = " -> ".join(s.name + ("?" if s.optional else "") for s in t.stages)
        table.add_row(name, stages, t.summary)
    table.add_row("<file>.yaml", "declared", "your stages (see search/staged/declared.py)")
    console.print(table)
