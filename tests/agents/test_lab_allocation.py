"""A lab on a staged task runs an allocation study as its experiment: the plan picks the agent
proposer and a trial count the budget covers, the report shows the trials and the best-so-far
plot and claims the best and the baseline allocations, and the real gate verifies the preprint
on the held-out test split. An inflated claim on the same allocation is not verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.gate import gate_preprint
from agents.goals import EventKind, GoalSpec, GoalStore
from agents.lab import run_goal
from agents.lab.allocation import MAX_TRIALS, MIN_TRIALS
from kernels import Gateway, mock_scripts
from preprints import ClaimCreate, PreprintCreate, Store
from tests.agents.allocation_fakes import MODEL, NAME, Stager
from tests.preprints.fakes import hashing_embedder

TASK = "arith-staged"
BUDGET = {"tokens": 120_000}


class World:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.goals = GoalStore.at_home(home)
        self.store = Store(f"sqlite:///{home / 'rxlab.db'}", embedder=hashing_embedder)
        self.gateway = Gateway(home)

    def goal(self, **spec: Any) -> str:
        fields: dict[str, Any] = {
            "text": "allocate arith-staged's stages better than one sample each",
            "task": TASK,
            "budget": BUDGET,
            "labs": 1,
            "models": [MODEL],
            **spec,
        }
        return self.goals.create(GoalSpec(**fields)).id

    async def run(self, goal_id: str) -> Any:
        return await run_goal(
            goal_id, home=self.home, goals=self.goals, store=self.store,
            gateway=self.gateway, backend="local",
        )  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


async def test_a_lab_on_a_staged_task_publishes_a_verified_allocation_study(
    world: World,
) -> None:
    goal_id = world.goal()
    with mock_scripts(**{NAME: Stager()}):
        goal = await world.run(goal_id)
        assert goal.status == "done", goal.error
        lab = goal.labs[f"{goal_id}-lab1"]
        preprint = world.store.get(lab["preprint"])
        assert preprint.status == "verified", [c.verdicts for c in preprint.claims]
        assert preprint.task == TASK
        best, baseline = preprint.claims
        assert [c.spec["name"] for c in (best, baseline)] == ["best", "baseline"]
        for c in (best, baseline):
            assert c.spec["task"] == TASK and c.spec["model"] == MODEL
            assert set(c.spec["allocation"]["stages"]) == {"plan", "solve", "check"}
            (verdict,) = c.verdicts
            assert verdict.reproduced and verdict.evidence["kind"] == "allocation"
            assert verdict.evidence["test"]["n"] == 150  # the held-out test split, in full
            assert verdict.value == pytest.approx(
                c.value, abs=1e-3
            )  # the scripted model ignores seeds
        stages = baseline.spec["allocation"]["stages"]
        assert stages["plan"]["samples"] == stages["solve"]["samples"] == 1
        assert stages["check"]["samples"] == 0
        assert best.value >= baseline.value
        body = preprint.body
        assert "allocation study on the staged task `arith-staged`" in body
        assert "with the `agent` proposer" in body
        assert "| trial | allocation | state | dev accuracy | best so far |" in body
        assert "## What the proposer learned" in body and "| one sample per stage" in body
        assert preprint.figures  # the best-so-far plot
        trials = [e for e in world.goals.events(goal_id) if e.kind == EventKind.trial]
        assert MIN_TRIALS <= len(trials) <= MAX_TRIALS
        assert all("allocation" in e.data for e in trials)
        results = world.home / "goals" / goal_id / f"{goal_id}-lab1" / "results"
        assert (results / "best_so_far.png").is_file() and (results / "trials.csv").is_file()

        # the same allocation with its accuracy inflated: the gate does not verify it
        inflated = [
            ClaimCreate(metric="accuracy", split="dev", value=min(1.0, c.value + 0.3), spec=c.spec)
            for c in (best,)
        ]
        data = PreprintCreate(title="Inflated", body="# Result\n", task=TASK, claims=inflated)
        pid = world.store.post(preprint.lab, data).preprint_id
        outcome = await gate_preprint(
            world.store, pid, gateway=world.gateway, backend="local", seed=9,
            max_items={"test": 30},
        )  # fmt: skip
    assert outcome.status == "rejected"
    assert not world.store.get(pid).claims[0].verdicts[-1].reproduced


def deps_for(world: World, tokens: int | None) -> Any:
    from agents.lab.deps import LabDeps

    goal_id = world.goal(budget={"tokens": tokens} if tokens else {"calls": 10_000})
    spec = world.goals.get(goal_id).spec
    return LabDeps(
        goal_id=goal_id, lab="lab1", index=0, spec=spec, home=world.home, goals=world.goals,
        store=world.store, gateway=world.gateway, gate_gateway=world.gateway,
        task_model=MODEL, agent_model=None,
    )  # fmt: skip


def test_the_plan_fits_the_study_to_the_lab_budget(world: World) -> None:
    from agents.lab.allocation import allocation_plan, staged_task

    assert staged_task("arith") is None and staged_task("no-such-task") is None
    task = staged_task(TASK)
    assert task is not None
    roomy = allocation_plan(deps_for(world, None), task)
    assert roomy.kind == "allocation" and roomy.proposer == "agent"
    assert roomy.space == TASK and roomy.trials == MAX_TRIALS
    assert "AgentTTS" in roomy.hypothesis and MODEL in roomy.hypothesis
    tight = allocation_plan(deps_for(world, 20_000), task)
    assert MIN_TRIALS <= tight.trials < MAX_TRIALS
    assert allocation_plan(deps_for(world, 1_000), task).trials == MIN_TRIALS
