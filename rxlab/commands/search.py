"""`rxlab search` and `rxlab tasks`: inference-time architecture search from the command line."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rxlab.settings import get_settings

console = Console()
app = typer.Typer(help="Inference-time architecture search (Archon-style).")

BUDGET_PART = re.compile(
    r"^\s*(?P<dollar>\$)?(?P<num>\d+(?:\.\d+)?)(?P<mult>[kKmM])?\s*(?P<unit>tokens?|calls?)?\s*$"
)


DEFAULT_TRIALS = 20


def parse_budget(text: str | None) -> Any:
    """``200k`` or ``200000 tokens``, ``500 calls``, ``$1.50``; several joined by commas."""
    from kernels import Budget

    settings = get_settings()
    if text is None:
        return Budget(
            max_tokens=settings.budget_tokens,
            max_calls=settings.budget_calls,
            max_dollars=settings.budget_dollars,
        )
    limits: dict[str, Any] = {}
    for part in text.split(","):
        m = BUDGET_PART.match(part)
        if not m:
            raise typer.BadParameter(
                f"cannot read budget part {part!r}; write e.g. '200k', '500 calls', '$1.50' "
                "or several joined by commas"
            )
        value = float(m["num"]) * {"k": 1e3, "m": 1e6}.get((m["mult"] or "").lower(), 1)
        if m["dollar"]:
            limits["max_dollars"] = value
        elif (m["unit"] or "tokens").startswith("call"):
            limits["max_calls"] = int(value)
        else:
            limits["max_tokens"] = int(value)
    return Budget(**limits)


def _progress_line(record: Any, budget: Any) -> str:
    acc = "-" if record.accuracy is None else f"{record.accuracy:.3f}"
    name = record.architecture.get("name", "?")
    return f"trial {record.number}: {name} acc={acc} [{budget.describe()}]"


async def _search(
    task_name: str,
    space_ref: str,
    budget_text: str | None,
    sampler: str,
    trials: int | None,
    out: Path | None,
    storage: str | None,
    study: str | None,
    seed: int,
    test: bool,
    replay: bool,
) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kernels import Budget, Gateway
    from search import get_task, resolve_space, run_search
    from search.optimize import best_architecture
    from search.results import evaluate_on_test, write_results

    settings = get_settings()
    home = settings.ensure_home()
    task = get_task(task_name)
    space = resolve_space(space_ref)
    budget = parse_budget(budget_text)
    gateway = Gateway(home, cache=settings.cache)
    model = space.model or settings.task_model
    name = study or f"{task.name}-{space.name}-{sampler}-s{seed}"
    trials = trials or space.trials or DEFAULT_TRIALS
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        job = bar.add_task(f"search {name}", total=trials)
        items = bar.add_task("dev items of this trial", total=len(task.split("dev")))

        def tick(record: Any, b: Any) -> None:
            bar.update(job, completed=record.number + 1)
            bar.reset(items)
            bar.console.print(_progress_line(record, b))

        result = await run_search(
            task, space, gateway=gateway, budget=budget, model=model, sampler=sampler,  # type: ignore[arg-type]
            trials=trials, storage=storage, study_name=name, seed=seed, replay=replay,
            bank_path=home / "replay" / f"{name}.sqlite", progress=tick,
            item_progress=lambda _: bar.advance(items),
        )  # fmt: skip
        best = best_architecture(result)
        comparison, test_budget = None, None
        if test:
            test_budget = Budget()
            evaluating = bar.add_task(
                "test split: best, then single call", total=2 * len(task.split("test"))
            )
            comparison = await evaluate_on_test(
                task, best, space.baseline_architecture(), gateway=gateway, model=model,
                budget=test_budget, max_samples=max(best.max_samples(), 1),
                progress=lambda _: bar.advance(evaluating),
            )  # fmt: skip
    out = out or home / "searches" / name
    summary = write_results(
        out, result, task=task, space_name=space.name, best=best,
        comparison=comparison, test_budget=test_budget,
    )  # fmt: skip
    summary["out"] = str(out)
    return summary


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title=f"search results ({summary['out']})")
    for col in ("", "accuracy", "95% CI", "tokens/item", "calls"):
        table.add_column(col)
    best = summary.get("best_dev") or {}
    if best:
        table.add_row(
            f"best on dev: {best['architecture'].get('name')}",
            f"{best['accuracy']:.3f}",
            f"[{best['ci_low']:.3f}, {best['ci_high']:.3f}]",
            str(best["tokens_per_item"]),
            str(best["calls"]),
        )
    test = summary.get("test")
    if test:
        for label, row in (("test: best", test["best"]), ("test: single call", test["baseline"])):
            table.add_row(
                label,
                f"{row['accuracy']:.3f}",
                f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]",
                str(row["tokens_per_item"]),
                str(row["calls"]),
            )
    console.print(table)
    if test:
        lo, hi = test["difference_ci"]
        verdict = "clearly beats" if test["clearly_better"] else "does NOT clearly beat"
        console.print(
            f"best - baseline on test: {test['difference']:+.3f} (paired 95% CI [{lo:+.3f}, "
            f"{hi:+.3f}]); the best {verdict} the single call (clearly: the paired CI is above "
            "0 and the best's accuracy is above the baseline's 95% CI)"
        )
    replay = summary.get("replay")
    if replay:
        console.print(
            f"sample replay: {replay['calls_made']} calls sent of {replay['calls_nominal']} asked "
            f"({replay['calls_saved']} saved), {replay['tokens_spent']} tokens of "
            f"{replay['tokens_nominal']} ({replay['tokens_saved']} saved)"
        )
    console.print(f"budget: {summary['budget']['search']}")
    test_s = sum(test[k]["wall_s"] for k in ("best", "baseline")) if test else 0.0
    console.print(f"wall time: search {summary['search_wall_s']:.0f} s, test split {test_s:.0f} s")


def search(
    task: str = typer.Option("arith", "--task", help="task name (`rxlab tasks`) or jsonl:<path>"),
    space: str = typer.Option("arith", "--space", help="space YAML file or bundled space name"),
    budget: str | None = typer.Option(
        None, "--budget", help="e.g. 200k, '500 calls', '$1', or several with commas"
    ),
    sampler: str = typer.Option("tpe", "--sampler", help="tpe, random or nsga2"),
    trials: int | None = typer.Option(
        None,
        "--trials",
        min=1,
        help="trials in total (a resume counts old ones); default: the "
        f"space's own count, else {DEFAULT_TRIALS}",
    ),
    out: Path | None = typer.Option(None, "--out", help="results folder"),
    storage: str | None = typer.Option(None, "--storage", help="optuna storage URL"),
    study: str | None = typer.Option(None, "--study", help="study name (resume by reusing it)"),
    seed: int = typer.Option(0, "--seed"),
    test: bool = typer.Option(True, "--test/--no-test", help="score best vs baseline on test"),
    replay: bool = typer.Option(True, "--replay/--no-replay", help="reuse generator samples"),
) -> None:
    """Search architectures on the dev split; write trials, Pareto plot, best and test scores."""
    from kernels import GatewayError
    from search import SearchError

    if sampler not in ("tpe", "random", "nsga2"):
        raise typer.BadParameter(f"unknown sampler {sampler!r}; use tpe, random or nsga2")
    try:
        summary = asyncio.run(
            _search(task, space, budget, sampler, trials, out, storage, study, seed, test, replay)
        )
    except (SearchError, GatewayError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _print_summary(summary)


def tasks() -> None:
    """List the tasks a search can run on."""
    from search import get_task, list_tasks

    table = Table(title="tasks")
    for col in ("task", "kind", "dev", "test", "description"):
        table.add_column(col)
    for name in list_tasks():
        t = get_task(name)
        d = t.describe()
        table.add_row(name, d["kind"], str(d["dev"]), str(d["test"]), d["description"])
    table.add_row("jsonl:<path>", "answer", "half", "half", "your JSONL file, exact or numeric")
    console.print(table)


app.command("run")(search)
