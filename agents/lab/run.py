"""Run a goal: its labs concurrently, each a checkpointed LangGraph graph, all posting to one
store. With ``stagger`` a lab starts once the lab before it has posted, so it can read and
build on that preprint while the earlier lab waits for the gate.

    goal = goals.create(GoalSpec(text="...", budget={"tokens": 200_000}, labs=2))
    await run_goal(goal.id, home=home, goals=goals, store=store)

``run_goal`` on a goal that was interrupted resumes it: each lab continues from its last
checkpoint (``rxlab resume``)."""

from __future__ import annotations

import asyncio
import traceback
from pathlib import Path
from typing import Any

from agents.goals import EventKind, GoalPublic, GoalStatus, GoalStore
from agents.lab.deps import LabDeps
from agents.lab.graph import build_graph
from kernels import Gateway
from preprints import Store

CHECKPOINTS = "checkpoints.sqlite"


def lab_name(goal_id: str, index: int) -> str:
    return f"{goal_id}-lab{index + 1}"


def thread(goal_id: str, lab: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": f"{goal_id}/{lab}"}}


async def _run_lab(deps: LabDeps, saver: Any, ready: asyncio.Event) -> dict[str, Any]:
    """Run (or resume) one lab's graph; ``ready`` is set once it has posted or stopped."""
    graph = build_graph(deps).compile(checkpointer=saver)
    config = thread(deps.goal_id, deps.lab)
    saved = await graph.aget_state(config)
    try:
        if saved.values and not saved.next:
            return dict(saved.values)  # finished before
        start = None if saved.values else {"goal_id": deps.goal_id, "lab": deps.lab,
                                           "index": deps.index, "revisions": 0}  # fmt: skip
        if start is None:
            deps.emit(EventKind.note, {"message": f"resuming at {', '.join(saved.next)}"})
        watcher = asyncio.create_task(_set_when_posted(deps, ready))
        try:
            state = await graph.ainvoke(start, config)
        finally:
            watcher.cancel()
        deps.emit(EventKind.phase, {"phase": "done"})
        return dict(state)
    except Exception as exc:
        deps.emit(EventKind.error, {"message": f"{type(exc).__name__}: {exc}"})
        deps.emit(EventKind.phase, {"phase": "failed"})
        raise
    finally:
        ready.set()


async def _set_when_posted(deps: LabDeps, ready: asyncio.Event) -> None:
    while not ready.is_set():
        if any(e.kind == EventKind.submission and e.lab == deps.lab
               for e in deps.goals.events(deps.goal_id)):  # fmt: skip
            ready.set()
            return
        await asyncio.sleep(1.0)


DEFAULT_TASK_MODEL = "local/smollm2-135m"


def _deps(
    goal: GoalPublic, index: int, *, home: Path, goals: GoalStore, store: Store,
    gateway: Gateway, backend: str, task_model: str, agent_model: str | None,
) -> LabDeps:  # fmt: skip
    spec = goal.spec
    lab = lab_name(goal.id, index)
    return LabDeps(
        goal_id=goal.id, lab=lab, index=index, spec=spec, home=home, goals=goals,
        store=store, gateway=gateway.tagged(goal=goal.id, lab=lab),
        gate_gateway=gateway.tagged(goal=goal.id, gate=lab),
        task_model=spec.models[0] if spec.models else task_model,
        agent_model=spec.agent_model or agent_model, backend=backend,
    )  # fmt: skip


async def run_goal(
    goal_id: str,
    *,
    home: Path,
    goals: GoalStore,
    store: Store,
    gateway: Gateway | None = None,
    backend: str = "docker",
    task_model: str = DEFAULT_TASK_MODEL,
    agent_model: str | None = None,
) -> GoalPublic:
    """Run the goal's labs to the end (or resume them); the goal ends ``done`` when every lab
    finished, ``failed`` (with the first error) otherwise. Nothing saved is lost on failure."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    goal = goals.get(goal_id)
    gateway = gateway or Gateway(home)
    goals.set_status(goal_id, GoalStatus.running)
    labs = [
        _deps(goal, i, home=home, goals=goals, store=store, gateway=gateway, backend=backend,
              task_model=task_model, agent_model=agent_model)
        for i in range(goal.spec.labs)
    ]  # fmt: skip
    ready = [asyncio.Event() for _ in labs]
    async with AsyncSqliteSaver.from_conn_string(str(home / CHECKPOINTS)) as saver:

        async def one(i: int) -> dict[str, Any]:
            if goal.spec.stagger and i > 0:
                await ready[i - 1].wait()
            return await _run_lab(labs[i], saver, ready[i])

        results = await asyncio.gather(*(one(i) for i in range(len(labs))), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        first = errors[0]
        detail = "".join(traceback.format_exception_only(type(first), first)).strip()
        goals.set_status(goal_id, GoalStatus.failed, error=detail)
    else:
        goals.set_status(goal_id, GoalStatus.done)
    return goals.get(goal_id)
