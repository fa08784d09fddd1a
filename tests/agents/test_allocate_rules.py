"""The agent proposer with no capable model: AgentTTS's three insights run as rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import agents.allocate  # noqa: F401  (registers the agent proposer)
from agents.allocate import Focus, Observation, Rules, learn
from agents.allocate.notes import plateau
from kernels import Budget, Cost, Gateway, mock_scripts
from search.replay import SampleBank
from search.staged import Allocation, get_staged_task
from search.staged.proposers import NOTES_ATTR, get_proposer
from search.staged.space import AllocationSpace
from search.staged.study import run_study
from tests.search.test_staged_fakes import Land


@pytest.fixture
def gateway(rxlab_home: Path) -> Iterator[Gateway]:
    with mock_scripts(land=Land(seed=5), small=Land(seed=6, plan_p=0.9), big=Land(seed=7)):
        yield Gateway(rxlab_home, cache=False)


def make_space(gateway: Gateway, models: list[str], **kw) -> AllocationSpace:  # type: ignore[no-untyped-def]
    task = get_staged_task("arith-staged", dev_size=6, test_size=4)
    return AllocationSpace(task, models, task.split("dev"), gateway, **kw)


def obs(
    space: AllocationSpace, n: int, alloc: Allocation, acc: float, why: str = ""
) -> Observation:
    return Observation(n, alloc, acc, space.cost(alloc), why)


def test_rules_start_at_the_anchor_then_probe_every_stage_in_order(gateway: Gateway) -> None:
    space = make_space(gateway, ["mock/land"], temperatures=(0.3, 1.0))
    rules = Rules(space)
    first = rules.propose([], set(), Focus(), 1)
    anchor = first[0][0]
    assert first[0][1].startswith("the anchor")
    assert anchor.describe() == "plan=land x4 @1, solve=land x4 @1, check=skip"  # mid-ladder
    history = [obs(space, 0, anchor, 0.5)]
    focus = Focus()
    batch = rules.propose(history, {anchor.key()}, focus, 3)
    assert [why for _, why in batch] == ["plan: land @0.3 at equal cost (4)"]
    taken = {anchor.key(), batch[0][0].key()}
    history.append(obs(space, 1, batch[0][0], 0.4))
    nxt = rules.propose(history, taken, focus, 3)
    assert [why for _, why in nxt] == ["solve: land @0.3 at equal cost (4)"]  # plan is probed
    assert focus.current(space.stages) == ("probe", "solve")


def test_scaling_climbs_takes_a_flat_step_and_explores_ties(gateway: Gateway) -> None:
    space = make_space(gateway, ["mock/land"], samples=(1, 2, 4, 8, 16), temperatures=(0.7,))
    rules = Rules(space)
    anchor = rules.anchor()

    def at(n: int) -> Allocation:
        return space.allocation({**space.params(anchor), "plan:samples": n})

    history = [obs(space, 0, anchor, 0.5)]
    moves = [why for _, why in rules.moves(history[0], ("scale", "plan"), history)]
    assert moves == ["plan: more samples (4 -> 8)", "plan: fewer samples (2)"]
    history.append(obs(space, 1, at(8), 0.5))  # a flat step: one rung more
    moves = [
        (a.stages["plan"].samples, why)
        for a, why in rules.moves(history[0], ("scale", "plan"), history)
    ]
    assert (16, "plan: flat step, one rung more") in moves
    assert (16, "plan: more samples (8 -> 16)") in moves  # the tie is explored too


def test_each_stage_probes_every_model_at_equal_cost(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = make_space(gateway, ["mock/big", "mock/small"], temperatures=(0.7,))

    def cost(alloc: Allocation) -> Cost:  # the big model costs four times as much per sample
        return Cost(
            sum(s.samples * (4 if s.model == "mock/big" else 1) for s in alloc.stages.values()),
            1,
            0.0,
        )

    monkeypatch.setattr(space, "cost", cost)
    rules = Rules(space)
    anchor = rules.anchor()
    assert anchor.stages["plan"].model == "mock/small"  # the cheapest model anchors
    big = space.allocation({**space.params(anchor), "plan:model": "mock/big", "plan:samples": 2})
    top = obs(space, 0, big, 0.5)
    probes = [
        (a.stages["plan"].model, a.stages["plan"].samples, why)
        for a, why in rules.probe(top.allocation, "plan")
    ]
    assert probes == [("mock/small", 8, "plan: small @0.7 at equal cost (8)")]


def test_notes_find_the_plateau_and_the_preferred_temperature(gateway: Gateway) -> None:
    assert plateau([(1, 0.4), (2, 0.6), (4, 0.61), (8, 0.6)], 0.05) == 2
    assert plateau([(1, 0.4), (2, 0.5), (4, 0.6)], 0.05) is None
    space = make_space(gateway, ["mock/land"], temperatures=(0.3, 1.0))
    base = space.baseline()

    def at(**p: float) -> Allocation:
        return space.allocation({**space.params(base), **p})

    history = [
        obs(space, 0, at(**{"plan:samples": 1}), 0.4),
        obs(space, 1, at(**{"plan:samples": 2}), 0.6),
        obs(space, 2, at(**{"plan:samples": 4}), 0.6),
        obs(space, 3, at(**{"plan:samples": 2, "plan:temperature": 0.3}), 0.5),
    ]
    notes = learn(history, space.stages, 0.05)
    assert notes[0].startswith("best so far: plan=land x2 @1")  # a tie keeps the earlier
    assert "plan: samples -> accuracy 1: 0.40, 2: 0.60, 4: 0.60; plateau from 2 samples" in notes
    assert "plan: temperature 1 (0.60) over 0.3 (0.50) at 2 samples" in notes


async def test_the_agent_keeps_notes_with_the_study_and_never_repeats(
    gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = make_space(gateway, ["mock/land"], samples=(1, 2, 4), temperatures=(0.3, 1.0))
    costs = sorted(space.cost(a).tokens for a in space.all_allocations())
    space.per_item = Budget(max_tokens=costs[-len(costs) // 4])  # the top quarter is too costly
    storage = f"sqlite:///{tmp_path / 's.db'}"
    result = await run_study(
        space,
        get_proposer("agent"),
        gateway=gateway,
        trials=8,
        storage=storage,
        study_name="agent",
        bank=SampleBank(),
    )
    done = result.evaluated()
    assert len(done) == 8 and len(result.trials) == 8  # it proposed nothing over budget
    assert len({t.label for t in done}) == 8
    assert done[0].reason.startswith("the anchor")
    assert all(t.reason for t in done)
    import optuna

    stored = optuna.load_study(study_name="agent", storage=storage).user_attrs[NOTES_ATTR]
    assert stored == result.notes and stored[0].startswith("best so far")
    assert "after 8 trials" in stored[0]  # rewritten once the last trial was in
    assert any("plan: samples -> accuracy" in n for n in stored)


def test_observations_cost_is_per_item(gateway: Gateway) -> None:
    space = make_space(gateway, ["mock/land"])
    o = obs(space, 0, space.baseline(), 0.5)
    assert isinstance(o.cost, Cost) and 0 < o.cost.tokens < 1000
