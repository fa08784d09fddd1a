"""The allocation executor: run a staged task's items through its stages as an allocation
says, priced first, and return per-item outcomes and aggregates (accuracy with a Wilson CI,
tokens, calls, dollars) as a ``TrialResult``.

    result = await run_allocation("arith-staged", allocation, "test", gateway=gw,
                                  budget=Budget(max_tokens=50_000), seed=1)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from kernels import Budget, BudgetExceeded, Gateway, GatewayError
from search.context import Context
from search.executor import map_items
from search.outcomes import ItemOutcome, TrialResult
from search.replay import SampleBank
from search.staged.allocation import Allocation, Resolved
from search.staged.cost import AllocationCost, CostModel, check_fits
from search.staged.errors import AllocationError
from search.staged.run import run_stage
from search.staged.stages import StageOutput
from search.staged.task import StagedTask, get_staged_task
from search.tasks.base import Item

TaskRef = str | Path | StagedTask
AllocationRef = Allocation | Mapping[str, Any] | Path


class StagedOutcome(ItemOutcome):
    """An item's outcome with what each stage chose (its answer, or ``skipped``)."""

    stages: dict[str, str] = Field(default_factory=dict)


class AllocationResult(TrialResult):
    """A run of one allocation on one split; ``correct`` items of ``n``, ``accuracy``, ``ci``,
    ``tokens`` (as deployed), and the worst case it was priced at before it ran."""

    outcomes: list[StagedOutcome] = Field(default_factory=list)  # type: ignore[assignment]
    allocation: dict[str, Any] = Field(default_factory=dict)
    worst_case: dict[str, int | float] = Field(default_factory=dict)

    @property
    def correct(self) -> int:
        return sum(1 for o in self.outcomes if o.score >= 1.0)

    def summary(self) -> dict[str, float | int | str]:
        return {**super().summary(), "correct": self.correct}


def pick_items(task: StagedTask, split: str, max_items: int | None, seed: int) -> list[Item]:
    """The split's items; a seeded subsample when ``max_items`` is smaller (as the gate does)."""
    items = task.split(split)  # type: ignore[arg-type]
    if max_items is not None and max_items < len(items):
        items = random.Random(seed).sample(items, max_items)
    return items


def as_allocation(ref: AllocationRef) -> Allocation:
    if isinstance(ref, Allocation):
        return ref
    if isinstance(ref, Path):
        return Allocation.load(ref)
    return Allocation.from_spec(dict(ref))


def prepare(
    task: StagedTask, allocation: Allocation, gateway: Gateway, model: str | None
) -> list[Resolved]:
    """Resolve the allocation against the task and check every model; nothing is sent."""
    plan = allocation.resolve(task, model)
    for r in plan:
        if r.skipped:
            continue
        models = [
            r.model,
            *(m for *_, m in (r.architecture.models(r.model) if r.architecture else [])),
        ]
        for name in models:
            try:
                gateway.check_model(name)
            except (GatewayError, ValueError) as exc:
                raise AllocationError(str(exc), stage=r.stage, field="model") from None
    return plan


async def run_item(
    task: StagedTask, plan: Sequence[Resolved], item: Item, ctx: Context
) -> StagedOutcome:
    started = time.perf_counter()
    trace: dict[str, StageOutput] = {}
    error = None
    try:
        for r in plan:
            trace[r.stage] = await run_stage(task, r, item, trace, ctx)
    except BudgetExceeded:
        raise
    except GatewayError as exc:
        error = f"{type(exc).__name__}: {exc}"
    response = await task.respond(item, trace) if error is None else ""
    score = await task.score(item, response)
    m = ctx.meter
    return StagedOutcome(
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
        latency_s=m.latency_s or time.perf_counter() - started,
        error=error,
        stages={n: "skipped" if o.skipped else o.answer for n, o in trace.items()},
    )


async def run_allocation(
    task: TaskRef,
    allocation: AllocationRef,
    split: str = "dev",
    *,
    gateway: Gateway,
    budget: Budget | None = None,
    seed: int = 0,
    max_items: int | None = None,
    model: str | None = None,
    items: Sequence[Item] | None = None,
    replay: SampleBank | None = None,
    replay_draw: int = 1,
    concurrency: int = 4,
    tags: dict[str, str] | None = None,
    progress: Callable[[StagedOutcome], None] | None = None,
    precheck: bool = True,
) -> AllocationResult:
    """Run ``allocation`` on ``split`` (or ``items``) of ``task``; never spends past ``budget``.

    Before any model call: the allocation is checked against the task's stages (errors name
    the stage), every model is checked, and its worst case is priced; ``AllocationTooCostly``
    (naming the stage) when it cannot fit in ``budget``. ``model`` is the default for stages
    that name none. ``seed`` fixes the sampling seeds and the ``max_items`` subsample.
    ``precheck=False`` skips the price check (a study with a replay bank spends far less than
    the worst case; the gateway still refuses any call that could break ``budget``).
    """
    staged = get_staged_task(task)
    alloc = as_allocation(allocation)
    plan = prepare(staged, alloc, gateway, model)
    chosen = list(items) if items is not None else pick_items(staged, split, max_items, seed)
    cost = CostModel(staged, chosen, gateway).cost(plan)
    if budget is not None and precheck:
        check_fits(cost, budget, f"the allocation {alloc.name!r}")
    base = Context(
        staged.base,
        gateway,
        plan[0].model,
        budget,
        replay,
        replay_draw,
        seed,
        {"allocation": alloc.name, **(tags or {})},
    )
    started = time.perf_counter()
    outcomes = await map_items(
        chosen, lambda item: run_item(staged, plan, item, base.for_item()), concurrency, progress
    )
    return _result(alloc, split, outcomes, cost, time.perf_counter() - started)


def _result(
    alloc: Allocation, split: str, outcomes: list[StagedOutcome], cost: AllocationCost, wall: float
) -> AllocationResult:
    total = cost.total
    return AllocationResult(
        architecture=alloc.name,
        split=split,
        outcomes=outcomes,
        wall_s=wall,
        allocation=alloc.to_spec(),
        worst_case={"tokens": total.tokens, "calls": total.calls, "dollars": total.dollars},
    )
