from __future__ import annotations

import asyncio
import time

from kernels import Budget, Gateway, mock_scripts
from search import Architecture, State, component, get_task, run_architecture, worst_case
from search.components import ComponentBase

from .conftest import NoisySolver


def arch(samples: int, temperature: float, vote: bool) -> Architecture:
    layers: list = [[{"type": "generator", "samples": samples, "temperature": temperature,
                      "max_tokens": 8}]]  # fmt: skip
    if vote:
        layers.append([{"type": "vote"}])
    return Architecture.from_spec({"name": "t", "layers": layers})


async def test_vote_beats_one_sample_and_aggregates_are_counted(
    gateway: Gateway, solver: NoisySolver
) -> None:
    task = get_task("arith")
    items = task.split("dev")[:12]
    kw = {"gateway": gateway, "model": "mock/solver"}
    one = await run_architecture(arch(1, 0.7, False), task, items, **kw)  # type: ignore[arg-type]
    voted = await run_architecture(arch(3, 0.7, True), task, items, **kw)  # type: ignore[arg-type]
    assert 0.4 < one.accuracy < 0.9  # right 2 times in 3
    assert voted.accuracy == 1.0  # 2 of every 3 samples agree on the right answer
    lo, hi = voted.ci
    assert lo < 1.0 and hi == 1.0
    summary = voted.summary()
    assert summary["calls"] == 12 and summary["spent_calls"] == 12
    records = gateway.usage.records()
    assert len(records) == 24
    assert summary["tokens"] == sum(r.prompt_tokens + r.completion_tokens for r in records[12:])


async def test_worst_case_bounds_what_a_run_spends(gateway: Gateway, solver: NoisySolver) -> None:
    task = get_task("arith")
    items = task.split("dev")[:5]
    a = Architecture.from_spec(
        {"layers": [[{"type": "generator", "samples": 3, "max_tokens": 8},
                     {"type": "generator", "samples": 2, "temperature": 0.0, "max_tokens": 8}],
                    [{"type": "critic", "max_tokens": 12}],
                    [{"type": "ranker", "top_k": 2}],
                    [{"type": "fuser", "max_tokens": 8}]]}
    )  # fmt: skip
    bound = worst_case(a, task, items, gateway=gateway, model="mock/solver")
    budget = Budget(max_tokens=bound.tokens, max_calls=bound.calls)
    result = await run_architecture(
        a, task, items, gateway=gateway, model="mock/solver", budget=budget
    )
    assert result.errors == 0
    assert 0 < budget.spent.tokens <= bound.tokens
    assert budget.spent.calls == bound.calls == 5 * (2 + 5 + 1 + 1)


@component("test_sleeper")
class Sleeper(ComponentBase):
    parallel = True
    needs_candidates = False
    seconds: float = 0.3

    async def __call__(self, state: State, ctx) -> State:  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.seconds)
        return state


async def test_components_of_one_layer_run_concurrently(gateway: Gateway) -> None:
    task = get_task("arith")
    a = Architecture.from_spec({"layers": [[{"type": "test_sleeper"}] * 4]})
    started = time.perf_counter()
    with mock_scripts(solver=["1"]):
        await run_architecture(a, task, task.split("dev")[:1], gateway=gateway, model="mock/solver")
    assert time.perf_counter() - started < 0.9  # four 0.3 s sleeps one after another take 1.2 s


async def test_greedy_samples_are_drawn_once(gateway: Gateway, solver: NoisySolver) -> None:
    task = get_task("arith")
    items = task.split("dev")[:2]
    result = await run_architecture(
        arch(4, 0.0, True), task, items, gateway=gateway, model="mock/solver"
    )
    assert result.accuracy == 1.0
    assert [r.n for r in gateway.usage.records()] == [1, 1]
