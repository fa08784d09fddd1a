"""A fake goal runner for the web tests, with ``agents.lab.run_goal``'s signature.

It writes the events a real goal writes (the kinds and data shapes the labs write), posts a real
preprint to the store and records a real gate decision on it, so the pages, the API and the
events stream see what they would see from real labs; only the research is scripted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agents.goals import EventKind, GoalPublic, GoalStatus, GoalStore
from preprints import ClaimCreate, PreprintCreate, Status, Store, VerdictCreate

Runner = Callable[..., Awaitable[GoalPublic]]
ACCURACIES = (0.5, 0.6, 0.7)


def _lab(store: Store, name: str) -> None:
    if name not in {lab.name for lab in store.list_labs()}:
        store.create_lab(name)


def _report(goal: GoalPublic, lab: str, best: float) -> PreprintCreate:
    return PreprintCreate(
        title=f"{lab}: voting over samples on {goal.task}",
        abstract=f"A vote of five samples reaches {best:.2f} dev accuracy.",
        body=f"# {lab}\n\n| trial | accuracy |\n| --- | --- |\n| 3 | {best} |\n",
        goal=goal.id,
        task=goal.task,
        claims=[ClaimCreate(metric="accuracy", value=best, split="dev", spec={"k": 5})],
    )


def scripted_runner(
    delay: float = 0.0, decisions: tuple[str, ...] = ("verified", "rejected"), fail_with: str = ""
) -> Runner:
    """A runner whose labs each do three trials, submit and get ``decisions[i]`` from the gate.

    ``delay`` seconds pass between events; ``fail_with`` raises that message after the first
    phase, as a crashing lab would.
    """

    async def run_goal(goal_id: str, *, home: Path, goals: GoalStore, store: Store) -> GoalPublic:
        assert home.is_dir(), f"the runner got a home that does not exist: {home}"
        goal = goals.get(goal_id)
        goals.set_status(goal_id, GoalStatus.running)
        share = goal.spec.budget.share(goal.spec.labs).model_dump()

        async def emit(lab: str | None, kind: EventKind, data: dict[str, Any]) -> None:
            goals.add_event(goal_id, lab, kind, data)
            await asyncio.sleep(delay)

        for n in range(goal.spec.labs):
            lab = f"lab-{n + 1}-{goal_id[-4:]}"
            _lab(store, lab)
            await emit(lab, EventKind.phase, {"phase": "review"})
            if fail_with:
                raise RuntimeError(fail_with)
            await emit(lab, EventKind.note, {"message": "no language model: offline policy"})
            await emit(lab, EventKind.phase, {"phase": "experiment"})
            best = 0.0
            for number, accuracy in enumerate(ACCURACIES, 1):
                best = max(best, accuracy)
                trial = {"number": number, "accuracy": accuracy, "tokens": 100 * number}
                arch = {"layers": [[{"type": "generator", "samples": number}]]}
                await emit(lab, EventKind.trial, {**trial, "best": best, "architecture": arch})
                spent = {"tokens": 100 * number, "calls": number, "dollars": 0.0004 * number}
                await emit(lab, EventKind.spend, {"spent": spent, "budget": share})
            await emit(lab, EventKind.phase, {"phase": "submit"})
            posted = store.post(lab, _report(goal, lab, best))
            pid, title = posted.preprint_id, posted.title
            await emit(lab, EventKind.submission, {"preprint": pid, "title": title, "version": 1})
            decision = decisions[n % len(decisions)]
            verdict = VerdictCreate(claim=0, reproduced=decision == "verified", value=best)
            store.record_gate_decision(pid, Status(decision), verdicts=[verdict])
            reasons = [] if decision == "verified" else ["the test accuracy is 0.41, not 0.7"]
            data = {"preprint": pid, "decision": decision, "reasons": reasons}
            await emit(lab, EventKind.verdict, data)
            await emit(lab, EventKind.phase, {"phase": "done"})
        goals.set_status(goal_id, GoalStatus.done)
        return goals.get(goal_id)

    return run_goal


def blocked_runner() -> Runner:
    """A runner that marks the goal running and then works until it is cancelled."""

    async def run_goal(goal_id: str, *, home: Path, goals: GoalStore, store: Store) -> GoalPublic:
        goals.set_status(goal_id, GoalStatus.running)
        await asyncio.sleep(3_600)
        raise AssertionError("the blocked runner was never cancelled")

    return run_goal
