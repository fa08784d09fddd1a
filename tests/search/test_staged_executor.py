"""run_allocation: prices first, refuses what cannot fit (naming the stage), runs the stages,
and reuses replayed samples."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kernels import Budget, Gateway, mock_scripts
from search.replay import SampleBank
from search.staged import (
    Allocation,
    AllocationError,
    AllocationTooCostly,
    get_staged_task,
    run_allocation,
)
from search.staged.executor import pick_items

from .test_staged_fakes import Land, oracle


def alloc(plan: int, solve: int, check: int, model: str = "mock/land", **extra: float) -> dict:
    temp = {"temperature": extra["t"]} if "t" in extra else {}
    return {
        "model": model,
        "stages": {
            "plan": {"samples": plan, **temp},
            "solve": {"samples": solve, **temp},
            "check": {"samples": check, **temp},
        },
    }


@pytest.fixture
def land() -> Iterator[Land]:
    script = Land(seed=3)
    with mock_scripts(land=script, oracle=oracle):
        yield script


@pytest.fixture
def gateway(rxlab_home) -> Gateway:  # type: ignore[no-untyped-def]
    return Gateway(rxlab_home, cache=False)


@pytest.fixture
def task():  # type: ignore[no-untyped-def]
    return get_staged_task("arith-staged", dev_size=4, test_size=6)


async def test_an_oracle_scores_everything_and_stages_are_recorded(gateway, task, land) -> None:  # type: ignore[no-untyped-def]
    result = await run_allocation(task, alloc(2, 3, 1, "mock/oracle"), "dev", gateway=gateway)
    assert result.accuracy == 1.0 and result.correct == result.n == 4
    first = result.outcomes[0]
    assert set(first.stages) == {"plan", "solve", "check"}
    assert first.stages["solve"] == first.answer == first.stages["check"]
    assert first.calls == 1 + 1 + 1  # one call per stage; check judges the one answer there is
    records = gateway.usage.records()
    assert sorted(r.n for r in records) == [1] * 4 + [2] * 4 + [3] * 4
    assert result.tokens == sum(r.prompt_tokens + r.completion_tokens for r in records)
    assert result.tokens <= result.worst_case["tokens"]
    assert result.summary()["correct"] == 4


async def test_a_budget_too_small_names_the_stage_and_sends_nothing(gateway, task, land) -> None:  # type: ignore[no-untyped-def]
    spec = alloc(2, 4, 4)
    fits = await run_allocation(task, spec, "dev", gateway=gateway, max_items=2, seed=1)
    worst = int(fits.worst_case["tokens"])
    used = len(gateway.usage.records())
    check_cost = (
        worst
        - (
            await run_allocation(task, alloc(2, 4, 0), "dev", gateway=gateway, max_items=2, seed=1)
        ).worst_case["tokens"]
    )
    used = len(gateway.usage.records())
    with pytest.raises(AllocationTooCostly, match=r"stage 'check' takes it past") as err:
        await run_allocation(
            task,
            spec,
            "dev",
            gateway=gateway,
            max_items=2,
            seed=1,
            budget=Budget(max_tokens=worst - check_cost // 2),
        )
    assert err.value.stage == "check" and "No model was called" in str(err.value)
    with pytest.raises(AllocationTooCostly, match=r"stage 'plan'"):
        await run_allocation(task, spec, "dev", gateway=gateway, budget=Budget(max_calls=1))
    assert len(gateway.usage.records()) == used
    budget = Budget(max_tokens=worst)
    await run_allocation(task, spec, "dev", gateway=gateway, max_items=2, seed=1, budget=budget)
    assert 0 < budget.spent.tokens <= worst


async def test_unknown_model_is_refused_before_any_call(gateway, task, land) -> None:  # type: ignore[no-untyped-def]
    bad = alloc(1, 1, 0)
    bad["stages"]["solve"]["model"] = "mock/nobody"
    with pytest.raises(AllocationError, match=r"stage 'solve', field 'model'.*nobody"):
        await run_allocation(task, bad, "dev", gateway=gateway)
    assert gateway.usage.records() == []


async def test_a_better_plan_makes_solving_easier(gateway, task, land) -> None:  # type: ignore[no-untyped-def]
    """Early spend changes what later stages need: solve sees examples of the planned op."""
    items = task.split("dev")
    with mock_scripts(good=Land(seed=1, plan_p=1.2), bad=Land(seed=1, plan_p=-1.0)):
        spec_good = alloc(1, 3, 0, "mock/good", t=0.7)
        spec_bad = alloc(1, 3, 0, "mock/bad", t=0.7)
        good = await run_allocation(task, spec_good, items=items, gateway=gateway)
        bad = await run_allocation(task, spec_bad, items=items, gateway=gateway)
    assert all(o.stages["plan"] in ("larger", "smaller", "add") for o in good.outcomes)
    assert good.accuracy > bad.accuracy


async def test_replay_serves_fewer_samples_without_a_call(gateway, task, land) -> None:  # type: ignore[no-untyped-def]
    bank = SampleBank()
    kw = {"gateway": gateway, "replay": bank, "replay_draw": 8, "max_items": 4}
    first = await run_allocation(task, alloc(8, 8, 0), "dev", **kw)  # type: ignore[arg-type]
    calls = len(gateway.usage.records())
    assert calls == 8 and all(r.n == 8 for r in gateway.usage.records())
    again = await run_allocation(task, alloc(8, 8, 0), "dev", **kw)  # type: ignore[arg-type]
    assert len(gateway.usage.records()) == calls
    assert [o.score for o in again.outcomes] == [o.score for o in first.outcomes]
    assert again.total("spent_tokens") == 0 and again.tokens == first.tokens


def test_max_items_is_a_seeded_subsample(task) -> None:  # type: ignore[no-untyped-def]
    a = pick_items(task, "test", 3, seed=5)
    assert a == pick_items(task, "test", 3, seed=5) and len(a) == 3
    assert {i.id for i in a} <= {i.id for i in task.split("test")}


async def test_a_stage_can_run_a_whole_architecture(gateway, task, land) -> None:  # type: ignore[no-untyped-def]
    arch = {"layers": [[{"type": "generator", "samples": 3, "max_tokens": 6}], [{"type": "vote"}]]}
    spec = alloc(1, 1, 0, "mock/oracle")
    spec["stages"]["solve"] = {"architecture": arch}
    result = await run_allocation(
        task, Allocation.from_spec(spec), "dev", gateway=gateway, budget=Budget(max_tokens=100_000)
    )
    assert result.accuracy == 1.0
    assert sorted(r.n for r in gateway.usage.records()) == [1] * 4 + [3] * 4


def test_dollars_are_priced_where_litellm_knows_the_model(task) -> None:  # type: ignore[no-untyped-def]
    """No call and no API key needed: the cost model prices from litellm's map."""
    from search.staged import CostModel, check_fits

    spec = Allocation.from_spec(alloc(2, 4, 1, "openai/gpt-4o-mini"))
    cost = CostModel(task, task.split("dev"), Gateway(None, cache=False)).cost(spec.resolve(task))
    assert all(c.dollars > 0 for c in cost.stages.values())
    plan_and_solve = cost.stages["plan"].dollars + cost.stages["solve"].dollars
    with pytest.raises(AllocationTooCostly, match=r"stage 'check'.*\$") as err:
        check_fits(cost, Budget(max_dollars=plan_and_solve * 1.01))
    assert err.value.stage == "check"
