"""The executor: runs an architecture on task items through the gateway, and prices it first.

Items run concurrently (bounded); the components of one layer run concurrently with
``asyncio.gather``. ``worst_case`` says what a run could cost at most, without sending anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from kernels import Budget, BudgetExceeded, Cost, Gateway, GatewayError
from search.architecture import Architecture
from search.components.base import Shape, State
from search.context import Context
from search.outcomes import ItemOutcome, TrialResult
from search.replay import SampleBank
from search.tasks.base import Item, Task

Progress = Callable[[ItemOutcome], None]
OutcomeT = TypeVar("OutcomeT")
PRODUCERS = ("generator", "fuser")  # kinds whose parallel outputs are concatenated


async def run_layer(layer: Sequence, state: State, ctx: Context) -> State:
    """Every component of a layer on the same input, concurrently; candidates concatenated."""
    if len(layer) == 1:
        return await layer[0](state, ctx)
    outs = await asyncio.gather(*(comp(state, ctx) for comp in layer))
    if layer[0].kind in PRODUCERS:
        candidates = [c for out in outs for c in out.candidates]
    else:
        candidates = list(state.candidates)
    tests = list(state.unit_tests)
    for out in outs:
        tests += [t for t in out.unit_tests if t not in tests]
    return State(item=state.item, candidates=tuple(candidates), unit_tests=tuple(tests))


async def run_item(arch: Architecture, item: Item, ctx: Context) -> ItemOutcome:
    started = time.perf_counter()
    state = State(item=item)
    error = None
    try:
        for layer in arch.layers:
            state = await run_layer(layer, state, ctx)
    except BudgetExceeded:
        raise
    except GatewayError as exc:
        error = f"{type(exc).__name__}: {exc}"
    final = state.candidates[0] if state.candidates and error is None else None
    response = final.text if final else ""
    score = await ctx.task.score(item, response)
    m = ctx.meter
    return ItemOutcome(
        item_id=item.id,
        response=response,
        answer=score.answer,
        score=score.value if error is None else 0.0,
        detail=score.detail,
        tokens=m.nominal.tokens,
        dollars=m.nominal.dollars,
        calls=m.nominal.calls,
        spent_tokens=m.spent.tokens,
        spent_calls=m.spent.calls,
        latency_s=m.latency_s if m.latency_s else time.perf_counter() - started,
        error=error,
    )


async def run_architecture(
    arch: Architecture,
    task: Task,
    items: Sequence[Item],
    *,
    gateway: Gateway,
    model: str,
    budget: Budget | None = None,
    replay: SampleBank | None = None,
    replay_draw: int = 1,
    seed: int | None = None,
    concurrency: int = 8,
    tags: dict[str, str] | None = None,
    split: str = "dev",
    progress: Progress | None = None,
) -> TrialResult:
    """Run ``arch`` on ``items``; per-item outcomes and aggregates (accuracy with a Wilson CI).

    Every model is checked before anything is sent; ``BudgetExceeded`` stops the run.
    """
    arch.check_models(gateway, model)
    base = Context(task, gateway, model, budget, replay, replay_draw, seed, dict(tags or {}))
    started = time.perf_counter()
    outcomes = await map_items(
        items, lambda item: run_item(arch, item, base.for_item()), concurrency, progress
    )
    return TrialResult(
        architecture=arch.name,
        split=split,
        outcomes=outcomes,
        wall_s=time.perf_counter() - started,
    )


async def map_items(
    items: Sequence[Item],
    run_one: Callable[[Item], Awaitable[OutcomeT]],
    concurrency: int,
    progress: Callable[[OutcomeT], None] | None = None,
) -> list[OutcomeT]:
    """``run_one`` on every item, at most ``concurrency`` at once, outcomes in item order;
    ``progress`` sees each as it finishes. An error cancels the items still running."""
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Item) -> OutcomeT:
        async with gate:
            outcome = await run_one(item)
        if progress is not None:
            progress(outcome)
        return outcome

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def worst_case(
    arch: Architecture,
    task: Task,
    items: Sequence[Item],
    *,
    gateway: Gateway,
    model: str,
    replay: SampleBank | None = None,
    replay_draw: int = 1,
) -> Cost:
    """The most a run could cost: every planned request at its worst, minus replay-bank hits."""
    ctx = Context(task, gateway, model, None, replay, replay_draw)
    total = Cost()
    for item in items:
        shape = Shape()
        for layer in arch.layers:
            outs = []
            for comp in layer:
                requests, out = comp.plan(shape, item, ctx)
                outs.append(out)
                for request in requests:
                    total = total + _request_cost(gateway, request, comp.kind, replay, replay_draw)
            shape = _merge(outs, layer[0].kind in PRODUCERS)
    return total


def _request_cost(
    gateway: Gateway, request, kind: str, replay: SampleBank | None, replay_draw: int
) -> Cost:
    if replay is None:
        return gateway.worst_case(request)
    draw = max(replay_draw, request.n) if kind == "generator" else request.n
    count = replay.draw_size(request, draw)
    if count == 0:
        return Cost()
    return gateway.worst_case(request.model_copy(update={"n": count}))


def _merge(shapes: list[Shape], produce: bool) -> Shape:
    if len(shapes) == 1:
        return shapes[0]
    return Shape(
        candidates=sum(s.candidates for s in shapes) if produce else shapes[0].candidates,
        candidate_tokens=max(s.candidate_tokens for s in shapes),
        critique_tokens=max(s.critique_tokens for s in shapes),
        unit_tests=sum(s.unit_tests for s in shapes),
        unit_test_tokens=sum(s.unit_test_tokens for s in shapes),
    )
