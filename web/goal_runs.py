"""Goals launched from the web run as background asyncio tasks in the server process.

``install(app, goals=..., home=...)`` puts on ``app.state``:

- ``goals``: the ``GoalStore`` (default: ``goals.db`` under the settings' home, closed on shutdown);
- ``home``: the RXLAB_HOME the labs work in;
- ``goal_runner``: ``None`` means ``agents.lab.run_goal`` (imported when a goal starts) with the
  settings' models and cache, as ``rxlab run`` calls it; tests put any callable with the
  signature ``runner(goal_id, *, home, goals, store)`` there;
- ``goal_runs``: the running tasks (kept so they are not garbage-collected; cancelled on shutdown);
- ``goal_stream``: the events stream's poll, heartbeat and lifetime settings.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from agents.goals import GoalPublic, GoalSpec, GoalStatus, GoalStore, UnknownGoal
from preprints import PreprintSummary, Store

log = logging.getLogger(__name__)

MAX_RUNNING = 4
TERMINAL = frozenset({GoalStatus.done.value, GoalStatus.failed.value})
INTERRUPTED = "interrupted: the server stopped while the labs worked; `rxlab resume {}` goes on"


class GoalRunner(Protocol):
    def __call__(
        self, goal_id: str, *, home: Path, goals: GoalStore, store: Store
    ) -> Awaitable[GoalPublic]: ...


class RunnerUnavailable(RuntimeError):
    """The server has no way to run goals (the labs package is missing or broken)."""


@dataclass
class StreamSettings:
    poll_s: float = 0.5  # how often the events stream reads the database
    heartbeat_s: float = 15.0  # a comment line this often keeps proxies from closing the stream
    retry_ms: int = 2_000  # how long an EventSource waits before it reconnects
    max_s: float = 600.0  # a stream ends after this; the EventSource resumes with Last-Event-ID


class GoalRuns:
    """The goals this server process is running, by goal id."""

    def __init__(self, max_running: int = MAX_RUNNING) -> None:
        self.max_running = max_running
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def running(self) -> list[str]:
        return [goal_id for goal_id, task in self.tasks.items() if not task.done()]

    def check_room(self) -> None:
        busy = self.running()
        if len(busy) >= self.max_running:
            raise HTTPException(
                429,
                f"this server already runs {len(busy)} goals (its limit is {self.max_running}); "
                "wait for one to finish, or run more with `rxlab run`",
            )

    def start(
        self, goal_id: str, runner: GoalRunner, *, home: Path, goals: GoalStore, store: Store
    ) -> asyncio.Task[None]:
        """Run the goal in the background, in the running event loop."""
        coro = _run(goal_id, runner, home=home, goals=goals, store=store)
        task = asyncio.get_running_loop().create_task(coro, name=f"goal {goal_id}")
        self.tasks[goal_id] = task
        task.add_done_callback(lambda _task: self.tasks.pop(goal_id, None))
        return task

    async def shutdown(self, timeout: float = 10.0) -> None:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)


async def _run(
    goal_id: str, runner: GoalRunner, *, home: Path, goals: GoalStore, store: Store
) -> None:
    try:
        await runner(goal_id, home=home, goals=goals, store=store)
    except asyncio.CancelledError:
        _finish(goals, goal_id, INTERRUPTED.format(goal_id))
        raise
    except Exception as exc:
        log.exception("goal %s failed", goal_id)
        _finish(goals, goal_id, f"the labs stopped with {type(exc).__name__}: {exc}")
    else:
        _finish(goals, goal_id, "the labs returned but left the goal unfinished (a bug)")


def _finish(goals: GoalStore, goal_id: str, error: str) -> None:
    """Mark the goal failed with ``error`` unless its runner already finished it."""
    try:
        if goals.get(goal_id).status not in TERMINAL:
            goals.set_status(goal_id, GoalStatus.failed, error=error)
    except Exception:
        log.exception("could not record the end of goal %s", goal_id)


def resolve_runner(app: FastAPI) -> GoalRunner:
    """``app.state.goal_runner``, or the labs' ``run_goal`` with the settings' models and cache
    (as ``rxlab run`` calls it)."""
    runner: GoalRunner | None = app.state.goal_runner
    if runner is not None:
        return runner
    try:
        module = importlib.import_module("agents.lab")
    except ImportError as exc:
        raise RunnerUnavailable(
            f"this server cannot run goals: the agent labs (agents.lab) did not import ({exc})"
        ) from exc
    run_goal = getattr(module, "run_goal", None)
    if run_goal is None:
        raise RunnerUnavailable("this server cannot run goals: agents.lab has no run_goal")
    from kernels import Gateway
    from rxlab.settings import get_settings

    settings = get_settings()

    async def with_settings(
        goal_id: str, *, home: Path, goals: GoalStore, store: Store
    ) -> GoalPublic:
        result: GoalPublic = await run_goal(
            goal_id, home=home, goals=goals, store=store,
            gateway=Gateway(home, cache=settings.cache),
            task_model=settings.task_model, agent_model=settings.agent_model,
        )  # fmt: skip
        return result

    return with_settings


def _default_home() -> Path:
    from rxlab.settings import get_settings

    return get_settings().ensure_home()


def install(app: FastAPI, *, goals: GoalStore | None = None, home: Path | None = None) -> None:
    """Wire goals into ``app``: state, and the Goals and New goal links in the header."""
    app.state.home = home or _default_home()
    app.state.goals_owned = goals is None
    app.state.goals = goals or GoalStore.at_home(app.state.home)
    app.state.goal_runner = None
    app.state.goal_runs = GoalRuns()
    app.state.goal_stream = StreamSettings()
    app.state.nav.extend([("Goals", "/goals"), ("New goal", "/goals/new")])


def owned_by_goal(app: FastAPI) -> Callable[[PreprintSummary], bool]:
    """Whether a preprint belongs to one of this home's goals (its lab gates it itself)."""

    def owned(summary: PreprintSummary) -> bool:
        if not summary.goal:
            return False
        try:
            app.state.goals.get(summary.goal)
        except UnknownGoal:
            return False
        return True

    return owned


async def shutdown(app: FastAPI) -> None:
    """Cancel the running goals (each is marked interrupted), then close an owned store."""
    await app.state.goal_runs.shutdown()
    if app.state.goals_owned:
        app.state.goals.close()


def get_goals(request: Request) -> GoalStore:
    goals: GoalStore = request.app.state.goals
    return goals


GoalsDep = Annotated[GoalStore, Depends(get_goals)]


def load_goal(goals: GoalStore, goal_id: str) -> GoalPublic:
    """The goal, or a 404 that says how to find the goals there are."""
    try:
        return goals.get(goal_id)
    except UnknownGoal as exc:
        raise HTTPException(404, f"no goal {goal_id!r}; GET /api/goals lists them") from exc


class GoalRejected(ValueError):
    """A goal the server will not start; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_task(name: str) -> None:
    if name.startswith("jsonl:"):
        raise GoalRejected(
            "task",
            f"task {name!r} names a file on the server; the web takes registered tasks only "
            "(`rxlab tasks` lists them); run a file task with `rxlab run --task jsonl:PATH`",
        )
    from search import UnknownTask, get_task
    from search.staged import list_staged_tasks

    try:
        if name not in list_staged_tasks():  # a staged task runs an allocation study
            get_task(name)
    except UnknownTask as exc:
        raise GoalRejected("task", str(exc)) from None


async def launch(app: FastAPI, spec: GoalSpec) -> GoalPublic:
    """Check ``spec``, store the goal and start its labs in the background."""
    await run_in_threadpool(check_task, spec.task)  # the first call imports search/
    try:
        runner = await run_in_threadpool(resolve_runner, app)  # may import the labs
    except RunnerUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    app.state.goal_runs.check_room()
    goals: GoalStore = app.state.goals
    goal = await run_in_threadpool(goals.create, spec)
    app.state.goal_runs.start(
        goal.id, runner, home=app.state.home, goals=goals, store=app.state.store
    )
    return goal
