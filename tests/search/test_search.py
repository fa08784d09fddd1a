from __future__ import annotations

from pathlib import Path

import pytest

from kernels import Budget, Gateway
from search import BudgetTooSmall, SearchSpace, get_task, run_search, worst_case
from search.optimize import best_architecture

from .conftest import NoisySolver

SPACE = {
    "name": "tiny",
    "model": "mock/solver",
    "layers": [
        {"name": "generate", "choices": [{"type": "generator", "samples": [1, 3, 5],
                                          "temperature": [0.7, 1.0], "max_tokens": 8}]},
        {"name": "aggregate", "choices": ["none", {"type": "vote"}]},
    ],
}  # fmt: skip


def small_task():  # type: ignore[no-untyped-def]
    return get_task("arith", dev_size=10, test_size=20)


async def test_search_finds_voting_and_uses_only_dev(gateway: Gateway, solver: NoisySolver) -> None:
    task = small_task()
    space = SearchSpace.from_spec(SPACE)
    budget = Budget(max_tokens=50_000)
    result = await run_search(
        task, space, gateway=gateway, budget=budget, model="mock/solver", sampler="random",
        trials=12, seed=1,
    )  # fmt: skip
    assert len(result.complete()) == 12
    best = result.best()
    assert best is not None and best.accuracy == 1.0
    assert [c.kind for layer in best_architecture(result).layers for c in layer][-1] == "vote"
    dev = {i.question for i in task.split("dev")}
    test = {i.question for i in task.split("test")}
    assert set(solver.questions) <= dev and not set(solver.questions) & test
    assert result.replay is not None and result.replay.calls_saved > 0
    # replay: at most one call per (item, temperature) for the whole search
    assert budget.spent.calls <= 2 * len(dev)


async def test_budget_is_never_exceeded(gateway: Gateway, solver: NoisySolver) -> None:
    task = small_task()
    space = SearchSpace.from_spec(SPACE)
    cheapest = min(
        worst_case(
            a, task, task.split("dev"), gateway=gateway, model="mock/solver", replay_draw=5
        ).tokens
        for a in space.cheapest_candidates()
    )
    budget = Budget(max_tokens=int(cheapest * 2.5))
    result = await run_search(
        task, space, gateway=gateway, budget=budget, model="mock/solver", sampler="random",
        trials=30, seed=0, replay=False,
    )  # fmt: skip
    assert budget.spent.tokens <= budget.max_tokens  # type: ignore[operator]
    assert result.stopped or any(t.state == "PRUNED" for t in result.trials)
    assert len(result.complete()) >= 1


async def test_space_that_cannot_fit_fails_before_any_call(
    gateway: Gateway, solver: NoisySolver
) -> None:
    with pytest.raises(BudgetTooSmall, match=r"cannot fit in the budget.*No model was called"):
        await run_search(
            small_task(), SearchSpace.from_spec(SPACE), gateway=gateway,
            budget=Budget(max_tokens=100), model="mock/solver", trials=3,
        )  # fmt: skip
    assert solver.questions == [] and gateway.usage.records() == []


async def test_unknown_model_in_space_fails_before_any_call(
    gateway: Gateway, solver: NoisySolver
) -> None:
    from kernels import UnknownModel

    spec = {**SPACE, "model": "mock/missing"}
    with pytest.raises(UnknownModel):
        await run_search(
            small_task(), SearchSpace.from_spec(spec), gateway=gateway,
            budget=Budget(max_tokens=10**6), model="mock/solver", trials=3,
        )  # fmt: skip
    assert gateway.usage.records() == []


async def test_search_resumes_from_storage(
    gateway: Gateway, solver: NoisySolver, tmp_path: Path
) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    common = {
        "gateway": gateway, "model": "mock/solver", "storage": storage, "study_name": "resume",
        "sampler": "tpe", "bank_path": tmp_path / "bank.sqlite",
    }  # fmt: skip
    space = SearchSpace.from_spec(SPACE)
    first = await run_search(small_task(), space, budget=Budget(), trials=4, **common)  # type: ignore[arg-type]
    calls_after_first = len(gateway.usage.records())
    second = await run_search(small_task(), space, budget=Budget(), trials=7, **common)  # type: ignore[arg-type]
    assert len(first.trials) == 4 and len(second.trials) == 7
    assert [t.number for t in second.trials] == list(range(7))
    assert len(gateway.usage.records()) >= calls_after_first
    # the whole search's budget counts what the first run spent
    tight = Budget(max_tokens=10)
    with pytest.raises(BudgetTooSmall):
        await run_search(small_task(), space, budget=tight, trials=9, **common)  # type: ignore[arg-type]
    resumed = Budget()
    await run_search(small_task(), space, budget=resumed, trials=7, **common)  # type: ignore[arg-type]
    assert resumed.spent.tokens == sum(r.prompt_tokens + r.completion_tokens
                                       for r in gateway.usage.records())  # fmt: skip


async def test_nsga2_returns_a_pareto_front(gateway: Gateway, solver: NoisySolver) -> None:
    result = await run_search(
        small_task(), SearchSpace.from_spec(SPACE), gateway=gateway, budget=Budget(),
        model="mock/solver", sampler="nsga2", trials=10,
    )  # fmt: skip
    front = result.pareto()
    assert front
    tokens = [t.tokens_per_item or 0.0 for t in front]
    accs = [t.accuracy or 0.0 for t in front]
    assert tokens == sorted(tokens) and accs == sorted(accs)  # more tokens buy more accuracy


def test_malformed_spaces_are_named() -> None:
    from search import SpaceError

    bad = {**SPACE, "layers": [{"name": "g", "choices": [{"type": "generatr"}]}]}
    with pytest.raises(SpaceError, match="slot 'g': unknown component 'generatr'"):
        SearchSpace.from_spec(bad)
    gen = {"type": "generator", "samples": [1, 0]}
    bad = {**SPACE, "layers": [{"name": "g", "choices": [gen]}]}
    with pytest.raises(SpaceError, match=r"slot 'g', choice 'generator'.*samples"):
        SearchSpace.from_spec(bad)
    bad = {**SPACE, "layers": [{"name": "v", "choices": [{"type": "vote"}]}]}
    with pytest.raises(SpaceError, match=r"invalid architecture.*needs candidates"):
        SearchSpace.from_spec(bad)


def test_bundled_spaces_load() -> None:
    from search import resolve_space

    for name in ("arith", "arith-quick", "arith-archon", "humaneval"):
        space = resolve_space(name)
        assert space.max_samples() >= 4


async def test_a_new_study_tries_self_consistency_first(
    gateway: Gateway, solver: NoisySolver, tmp_path: Path
) -> None:
    space = SearchSpace.from_spec(SPACE)
    prior = space.self_consistency_params()
    assert prior == {
        "generate.generator.samples": 5, "generate.generator.temperature": 1.0,
        "aggregate.type": "vote",
    }  # fmt: skip
    common = {
        "gateway": gateway, "model": "mock/solver", "sampler": "random", "seed": 3,
        "storage": f"sqlite:///{tmp_path / 'study.db'}", "study_name": "prior",
    }  # fmt: skip
    result = await run_search(
        small_task(), space, budget=Budget(), trials=2, first=[prior], **common
    )  # type: ignore[arg-type]
    assert result.trials[0].params == prior
    assert result.trials[0].architecture["name"] == "generator(samples=5, temperature=1)+vote"
    # resuming does not enqueue it again
    again = await run_search(
        small_task(), space, budget=Budget(), trials=3, first=[prior], **common
    )  # type: ignore[arg-type]
    assert len(again.trials) == 3
    import optuna

    study = optuna.load_study(study_name="prior", storage=common["storage"])
    assert [bool(t.system_attrs.get("fixed_params")) for t in study.trials] == [True, False, False]
