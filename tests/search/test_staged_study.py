"""Allocation spaces and studies: random and TPE through one optuna storage, budgets, resume."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from kernels import Budget, Gateway, mock_scripts
from search.replay import SampleBank
from search.staged import Allocation, AllocationError, AllocationTooCostly, get_staged_task
from search.staged.proposers import get_proposer, list_proposers
from search.staged.space import AllocationSpace
from search.staged.study import run_study

from .test_staged_fakes import Land


@pytest.fixture
def gateway(rxlab_home: Path) -> Iterator[Gateway]:
    with mock_scripts(land=Land(seed=2), small=Land(seed=4)):
        yield Gateway(rxlab_home, cache=False)


def space_for(gateway: Gateway, models: list[str], **kw) -> AllocationSpace:  # type: ignore[no-untyped-def]
    task = get_staged_task("arith-staged", dev_size=4, test_size=4)
    return AllocationSpace(task, models, task.split("dev"), gateway, **kw)


def test_a_space_of_one_model_varies_samples_and_temperatures(gateway: Gateway) -> None:
    space = space_for(gateway, ["mock/land"], samples=(1, 4), temperatures=(0.3, 1.0))
    dists = space.distributions()
    assert dists["plan:model"].choices == ("mock/land",)
    assert dists["check:samples"].choices == (0, 1, 4)  # check is optional: 0 skips it
    everything = list(space.all_allocations())
    assert len(everything) == 4 * 4 * (1 + 4)
    a = everything[7]
    assert space.allocation(space.params(a)).key() == a.key()
    assert space.contains(a)
    assert not space.contains(Allocation.from_spec({"stages": {"plan": {"samples": 3}}}))
    base = space.baseline()
    assert base.stages["check"].samples == 0 and base.stages["plan"].samples == 1


def test_the_per_item_budget_bounds_what_is_feasible(gateway: Gateway) -> None:
    space = space_for(gateway, ["mock/land"])
    costs = sorted(space.cost(a).tokens for a in space.all_allocations())
    limit = costs[len(costs) // 3]
    tight = space_for(gateway, ["mock/land"], per_item=Budget(max_tokens=limit))
    feasible = [a for a in tight.all_allocations() if tight.feasible(a)]
    assert 0 < len(feasible) < len(costs)
    assert all(tight.cost(a).tokens <= limit for a in feasible)
    with pytest.raises(AllocationError, match="at least one model"):
        space_for(gateway, [])


async def test_random_and_tpe_share_one_store_and_skip_what_is_over_budget(
    gateway: Gateway, tmp_path: Path
) -> None:
    assert {"random", "tpe"} <= set(list_proposers())
    space = space_for(gateway, ["mock/land", "mock/small"], samples=(1, 2, 4))
    costs = sorted(space.cost(a).tokens for a in space.all_allocations())
    space.per_item = Budget(max_tokens=costs[len(costs) // 2])
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    bank = SampleBank()
    seen = []
    results = {}
    for name in ("random", "tpe"):
        results[name] = await run_study(
            space,
            get_proposer(name, seed=1),
            gateway=gateway,
            trials=3,
            storage=storage,
            study_name=f"s-{name}",
            bank=bank,
            progress=seen.append,
        )
    import optuna

    names = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    assert names == {"s-random", "s-tpe"}
    for name, result in results.items():
        assert len(result.evaluated()) == 3 and result.proposer == name
        assert all(
            space.cost(Allocation.from_spec(t.allocation)).tokens <= costs[len(costs) // 2]
            for t in result.evaluated()
        )
        rejected = [t for t in result.trials if not t.feasible]
        assert all(t.note.startswith("over the per-item budget") for t in rejected)
        assert result.curve() == sorted(result.curve())
    assert len(seen) == 6 and {t.proposer for t in seen} == {"random", "tpe"}


async def test_a_study_resumes_and_stops_when_its_budget_runs_out(
    gateway: Gateway, tmp_path: Path
) -> None:
    space = space_for(gateway, ["mock/land"], samples=(1, 2))
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    kw = {"gateway": gateway, "storage": storage, "study_name": "r"}
    first = await run_study(space, get_proposer("random", seed=3), trials=2, **kw)  # type: ignore[arg-type]
    again = await run_study(space, get_proposer("random", seed=3), trials=3, **kw)  # type: ignore[arg-type]
    assert len(first.evaluated()) == 2 and len(again.evaluated()) == 3
    assert [t.number for t in again.evaluated()[:2]] == [t.number for t in first.evaluated()]
    broke = await run_study(
        space,
        get_proposer("random"),
        gateway=gateway,
        trials=5,
        storage=storage,
        study_name="b",
        budget=Budget(max_calls=3),
    )
    assert broke.stopped.startswith("the study's budget ran out")
    assert len(broke.evaluated()) < 5


async def test_a_per_item_budget_nothing_fits_in_is_refused_before_any_call(
    gateway: Gateway,
) -> None:
    space = space_for(gateway, ["mock/land"], per_item=Budget(max_tokens=100))
    with pytest.raises(AllocationTooCostly, match=r"cheapest allocation.*stage 'solve'"):
        await run_study(space, get_proposer("random"), gateway=gateway, trials=2)
    assert gateway.usage.records() == []
    drawn = space.sample(random.Random(0))
    assert space.contains(drawn) and space.size() == len(list(space.all_allocations()))
