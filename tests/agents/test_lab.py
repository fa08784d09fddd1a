"""Agent labs end to end with a scripted task model and the real gate, store and checkpoints:
a goal's two labs post gated preprints, the second cites the first, spend stays in budget, a
broken agent model falls back to the offline policy, and a killed run resumes without
repeating trials."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agents.goals import EventKind, GoalSpec, GoalStore
from agents.lab import run_goal
from kernels import Gateway, mock_scripts
from preprints import Store
from tests.agents.lab_fakes import noisy_arith
from tests.preprints.fakes import hashing_embedder

BUDGET = {"tokens": 300_000}


class World:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.goals = GoalStore.at_home(home)
        self.store = Store(f"sqlite:///{home / 'rxlab.db'}", embedder=hashing_embedder)
        self.gateway = Gateway(home)

    def goal(self, **spec: Any) -> str:
        fields: dict[str, Any] = {
            "text": "beat a single sample on arith",
            "budget": BUDGET,
            "labs": 2,
            "models": ["mock/noisy"],
            "space": "arith",
            **spec,
        }
        return self.goals.create(GoalSpec(**fields)).id

    async def run(self, goal_id: str, **kw: Any) -> Any:
        return await run_goal(
            goal_id, home=self.home, goals=self.goals, store=self.store,
            gateway=self.gateway, backend="local", **kw,
        )  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


async def test_two_labs_post_gated_preprints_and_the_second_cites_the_first(
    world: World,
) -> None:
    goal_id = world.goal()
    with mock_scripts(noisy=noisy_arith()):
        goal = await world.run(goal_id)
    assert goal.status == "done", goal.error
    first, second = (world.store.get(goal.labs[f"{goal_id}-lab{i}"]["preprint"]) for i in (1, 2))
    assert first.preprint_id in second.builds_on
    for preprint in (first, second):
        assert preprint.status in ("verified", "rejected")
        assert [c.spec["name"] for c in preprint.claims] == ["best", "baseline", "code"]
        assert all(c.verdicts for c in preprint.claims)  # the gate recorded a verdict per claim
        # the code trial: a program run in a sandbox, kept as a bundle the gate ran again
        code = preprint.claims[2]
        assert code.spec["bundle"].startswith("bd-") and code.spec["bundle"] in preprint.body
        assert code.verdicts[-1].evidence["kind"] == "code", code.verdicts[-1].evidence
        assert "| code: routed few-shot and adaptive self-consistency" in preprint.body
        assert "no language model wrote this report" in preprint.body
        assert "| single call (baseline) | baseline |" in preprint.body
        assert preprint.figures  # the Pareto plot
    assert "verified" in (first.status, second.status)
    for lab in goal.labs.values():
        assert lab["phase"] == "done"
        assert 0 < lab["spent"]["tokens"] <= lab["budget"]["tokens"]
    kinds = {e.kind for e in world.goals.events(goal_id)}
    assert {"phase", "trial", "spend", "submission", "verdict"} <= kinds


async def test_broken_json_agent_model_falls_back_and_says_so(world: World) -> None:
    goal_id = world.goal(labs=1, agent_model="mock/broken-json")
    with mock_scripts(noisy=noisy_arith()):
        goal = await world.run(goal_id)
    assert goal.status == "done", goal.error
    preprint = world.store.get(goal.labs[f"{goal_id}-lab1"]["preprint"])
    assert "## Fallbacks" in preprint.body
    assert "not valid after one repair" in preprint.body
    notes = [e.data["message"] for e in world.goals.events(goal_id) if e.kind == EventKind.note]
    assert any(n.startswith("offline policy used for plan") for n in notes)


async def test_a_killed_run_resumes_without_repeating_finished_trials(world: World) -> None:
    import optuna

    goal_id = world.goal(labs=1)
    with mock_scripts(noisy=noisy_arith()):
        job = asyncio.create_task(world.run(goal_id))
        while not any(e.kind == "trial" for e in world.goals.events(goal_id)):
            await asyncio.sleep(0.05)
        job.cancel()  # a crash in the middle of the search
        with pytest.raises(asyncio.CancelledError):
            await job
        before = [e.data["number"] for e in world.goals.events(goal_id) if e.kind == "trial"]
        goal = await world.run(goal_id)
    assert goal.status == "done", goal.error
    after = [e.data["number"] for e in world.goals.events(goal_id) if e.kind == "trial"]
    resumed = after[len(before) :]
    assert before and resumed and min(resumed) > max(before)  # nothing finished ran again
    storage = f"sqlite:///{world.home / 'goals' / goal_id / f'{goal_id}-lab1' / 'optuna.db'}"
    study = optuna.load_study(study_name="search", storage=storage)
    numbers = [t.number for t in study.trials if t.state.is_finished()]
    assert sorted(set(after)) == sorted(n for n in numbers if n in set(after))


def test_a_goal_needs_a_budget_and_sane_labs() -> None:
    with pytest.raises(ValidationError, match="a goal needs a budget"):
        GoalSpec(text="beat the baseline", budget={})
    with pytest.raises(ValidationError, match="labs"):
        GoalSpec(text="beat the baseline", budget=BUDGET, labs=0)
