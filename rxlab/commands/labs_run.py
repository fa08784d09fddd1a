"""`rxlab run`, `rxlab resume` and `rxlab goals`: a goal's labs from the command line, with a
live view of each lab's phase, trials, spend and verdict."""

from __future__ import annotations

import asyncio
from typing import Any

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from rxlab.commands.preprints import open_store
from rxlab.commands.search import parse_budget
from rxlab.settings import get_settings

console = Console()
REFRESH_S = 0.5


def _goals() -> Any:
    from agents.goals import GoalStore

    return GoalStore.at_home(get_settings().ensure_home())


def _spend(lab: dict[str, Any]) -> str:
    spent, budget = lab.get("spent") or {}, lab.get("budget") or {}
    if not spent:
        return "-"
    limit = budget.get("tokens")
    tokens = f"{spent.get('tokens', 0):,}" + (f" / {limit:,}" if limit else "")
    return f"{tokens} tok, {spent.get('calls', 0)} calls"


def _view(goal: Any) -> Table:
    table = Table(title=f"goal {goal.id}: {escape(goal.text)} [{goal.status}]")
    for col in ("lab", "phase", "trials", "best dev", "spend", "preprint", "decision"):
        table.add_column(col)
    for name, lab in goal.labs.items():
        best = lab.get("best_dev")
        table.add_row(
            name, str(lab.get("phase", "")), str(lab.get("trials", 0)),
            "-" if best is None else f"{best:.3f}", _spend(lab), lab.get("preprint") or "-",
            lab.get("decision") or "-",
        )  # fmt: skip
    return table


async def _drive(goal_id: str, backend: str) -> Any:
    from agents.lab import run_goal
    from kernels import Gateway

    settings = get_settings()
    home = settings.ensure_home()
    goals = _goals()
    store = open_store(embeddings=True)
    gateway = Gateway(home, cache=settings.cache)
    job = asyncio.create_task(
        run_goal(goal_id, home=home, goals=goals, store=store, gateway=gateway, backend=backend,
                 task_model=settings.task_model, agent_model=settings.agent_model)
    )  # fmt: skip
    with Live(_view(goals.get(goal_id)), console=console, refresh_per_second=4) as live:
        while not job.done():
            await asyncio.sleep(REFRESH_S)
            live.update(_view(goals.get(goal_id)))
        live.update(_view(goals.get(goal_id)))
    try:
        return job.result()
    except Exception as exc:
        console.print(f"[red]the goal stopped:[/red] {escape(str(exc))}")
        console.print(f"what was done is saved; continue with `rxlab resume {goal_id}`")
        raise typer.Exit(1) from None


def _finish(goal: Any, url: str | None) -> None:
    base = (url or "").rstrip("/")
    if base:
        console.print(f"goal page: {base}/goals/{goal.id}")
    for name, lab in goal.labs.items():
        if lab.get("preprint"):
            link = f"{base}/preprints/{lab['preprint']}" if base else lab["preprint"]
            console.print(f"{name}: {lab.get('decision', '?')} preprint {link}")
    if goal.status != "done":
        console.print(f"[red]goal {goal.status}[/red]: {escape(goal.error or '')}")
        raise typer.Exit(1)


def run(
    text: str = typer.Argument(..., help="the research goal, in words"),
    task: str = typer.Option("arith", help="the task to improve on (`rxlab tasks`)"),
    labs: int = typer.Option(2, min=1, max=8, help="how many labs work on it"),
    budget: str = typer.Option(..., help="the goal's budget, e.g. '200k' or '200k,$1'"),
    model: list[str] = typer.Option([], help="task model(s); default RXLAB_TASK_MODEL"),
    space: str | None = typer.Option(None, help="a search space to use instead of the plan's"),
    seed: int = typer.Option(0),
    stagger: bool = typer.Option(True, help="a later lab starts once the one before posted"),
    backend: str = typer.Option("docker", help="sandbox backend for the gate"),
    url: str | None = typer.Option(None, help="the web server's URL, to print page links"),
) -> None:
    """Run a goal: its labs review the store, search, write, and submit to the gate."""
    from agents.goals import GoalSpec
    from search import get_task
    from search.errors import UnknownTask
    from search.staged import list_staged_tasks

    try:
        if task not in list_staged_tasks():  # a staged task runs an allocation study
            get_task(task)
    except UnknownTask as exc:
        raise typer.BadParameter(str(exc), param_hint="--task") from None
    limits = parse_budget(budget)
    spec = GoalSpec(
        text=text, task=task, labs=labs, models=model, space=space, seed=seed, stagger=stagger,
        budget={"tokens": limits.max_tokens, "calls": limits.max_calls,
                "dollars": limits.max_dollars},
    )  # fmt: skip
    goal = _goals().create(spec)
    console.print(f"goal {goal.id} stored; {labs} lab(s) starting")
    _finish(asyncio.run(_drive(goal.id, backend)), url)


def resume(
    goal_id: str = typer.Argument(..., help="the goal to continue"),
    backend: str = typer.Option("docker"),
    url: str | None = typer.Option(None),
) -> None:
    """Continue a goal after a crash from its labs' checkpoints; finished trials are kept."""
    from agents.goals import UnknownGoal

    try:
        _goals().get(goal_id)
    except UnknownGoal as exc:
        raise typer.BadParameter(str(exc), param_hint="GOAL") from None
    _finish(asyncio.run(_drive(goal_id, backend)), url)


def goals() -> None:
    """The stored goals, newest first."""
    table = Table(title="goals")
    for col in ("id", "status", "task", "labs", "text"):
        table.add_column(col)
    for goal in _goals().list():
        table.add_row(goal.id, goal.status, goal.task, str(goal.spec.labs), escape(goal.text))
    console.print(table)
