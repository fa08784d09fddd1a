"""The allocation space a study searches: per stage a model, a sample count and a temperature,
under a per-item budget (the worst case of one item, as the allocation would be deployed).

Optuna sees one categorical parameter per stage and field (``plan:samples``...), so random,
TPE and the agent's enqueued proposals all live in one study. With one model the ``model``
parameters have one choice each, and a study varies samples and temperatures per stage.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kernels import Budget, Cost, Gateway
from search.fit import fits
from search.staged.allocation import Allocation, StageAllocation
from search.staged.cost import AllocationCost, CostModel, check_fits
from search.staged.errors import AllocationError
from search.staged.task import StagedTask
from search.tasks.base import Item

DEFAULT_SAMPLES = (1, 2, 4, 8)
DEFAULT_TEMPERATURES = (0.3, 0.7, 1.0)
FIELDS = ("model", "samples", "temperature")


def describe_limits(budget: Budget) -> str:
    """``600 tokens, $0.001`` (limits only, nothing spent)."""
    parts = []
    if budget.max_tokens is not None:
        parts.append(f"{budget.max_tokens} tokens")
    if budget.max_calls is not None:
        parts.append(f"{budget.max_calls} calls")
    if budget.max_dollars is not None:
        parts.append(f"${budget.max_dollars:g}")
    return ", ".join(parts) or "no limit"


def param(stage: str, name: str) -> str:
    return f"{stage}:{name}"


@dataclass
class AllocationSpace:
    """Which allocations a study may try, and the per-item budget they must fit in."""

    task: StagedTask
    models: list[str]
    items: Sequence[Item]
    gateway: Gateway
    per_item: Budget = field(default_factory=Budget)
    samples: tuple[int, ...] = DEFAULT_SAMPLES
    temperatures: tuple[float, ...] = DEFAULT_TEMPERATURES

    def __post_init__(self) -> None:
        if not self.models:
            raise AllocationError("give at least one model (--models A,B)")
        if not self.samples or min(self.samples) < 1:
            raise AllocationError(f"sample counts must be >= 1, got {list(self.samples)}")
        if not self.temperatures:
            raise AllocationError("give at least one temperature")
        self.samples = tuple(sorted(set(self.samples)))
        self.temperatures = tuple(sorted(set(self.temperatures)))
        self.costs = CostModel(self.task, self.items, self.gateway)

    @property
    def stages(self) -> list[str]:
        return self.task.stage_names()

    def ladder(self, stage: str) -> list[int]:
        """The sample counts a stage may get (0 first for an optional stage: skip it)."""
        optional = self.task.stage(stage).optional
        return [0, *self.samples] if optional else list(self.samples)

    def max_samples(self) -> int:
        return max(self.samples)

    def distributions(self) -> dict[str, Any]:
        from optuna.distributions import CategoricalDistribution

        out: dict[str, Any] = {}
        for stage in self.stages:
            out[param(stage, "model")] = CategoricalDistribution(list(self.models))
            out[param(stage, "samples")] = CategoricalDistribution(self.ladder(stage))
            out[param(stage, "temperature")] = CategoricalDistribution(list(self.temperatures))
        return out

    def allocation(self, params: dict[str, Any], name: str = "allocation") -> Allocation:
        stages = {}
        for stage in self.stages:
            samples = int(params[param(stage, "samples")])
            stages[stage] = StageAllocation(
                model=params[param(stage, "model")] if samples else None,
                samples=samples,
                temperature=float(params[param(stage, "temperature")]) if samples else None,
            )
        return Allocation(name=name, stages=stages)

    def params(self, allocation: Allocation) -> dict[str, Any]:
        """The optuna parameters of ``allocation`` (a skipped stage keeps the first choices)."""
        out: dict[str, Any] = {}
        for stage in self.stages:
            given = allocation.stages.get(stage) or StageAllocation(samples=0)
            out[param(stage, "model")] = given.model or allocation.model or self.models[0]
            out[param(stage, "samples")] = given.samples
            temp = given.temperature
            out[param(stage, "temperature")] = temp if temp is not None else self.temperatures[0]
        return out

    def contains(self, allocation: Allocation) -> bool:
        try:
            params = self.params(allocation)
        except (KeyError, AttributeError):
            return False
        dists = self.distributions()
        return all(value in dists[key].choices for key, value in params.items())

    def cost(self, allocation: Allocation) -> Cost:
        """Worst case per item, as deployed (no replay)."""
        plan = allocation.resolve(self.task, self.models[0])
        return self.costs.cost(plan).per_item()

    def feasible(self, allocation: Allocation) -> bool:
        return fits(self.per_item, self.cost(allocation))

    def baseline(self) -> Allocation:
        """One sample per stage, optional stages skipped, the first model, middle temperature."""
        temp = self.temperatures[len(self.temperatures) // 2]
        stages = {
            s: StageAllocation(samples=0)
            if self.task.stage(s).optional
            else StageAllocation(model=self.models[0], samples=1, temperature=temp)
            for s in self.stages
        }
        return Allocation(name="baseline", stages=stages)

    def stage_options(self, stage: str) -> list[StageAllocation]:
        options = [StageAllocation(samples=0)] if self.task.stage(stage).optional else []
        return options + [
            StageAllocation(model=m, samples=n, temperature=t)
            for m, n, t in itertools.product(self.models, self.samples, self.temperatures)
        ]

    def size(self) -> int:
        return math.prod(len(self.stage_options(s)) for s in self.stages)

    def sample(self, rng: random.Random) -> Allocation:
        """One allocation drawn uniformly (each stage's option independently)."""
        stages = {s: rng.choice(self.stage_options(s)) for s in self.stages}
        return Allocation(stages=stages)

    def cheapest(self) -> Allocation:
        """Optional stages skipped, every other stage its cheapest model at the fewest samples."""
        stages = {}
        for stage in self.stages:
            if self.task.stage(stage).optional:
                stages[stage] = StageAllocation(samples=0)
                continue
            ones = [StageAllocation(model=m, samples=self.samples[0]) for m in self.models]
            stages[stage] = min(ones, key=partial(self._stage_tokens, stage))
        return Allocation(name="cheapest", stages=stages)

    def _stage_tokens(self, stage: str, given: StageAllocation) -> int:
        return self.cost(Allocation(stages={**self.baseline().stages, stage: given})).tokens

    def check_fits(self) -> None:
        """``AllocationTooCostly`` (naming the stage) when not even the cheapest allocation
        fits in the per-item budget; nothing is sent."""
        cheapest = self.cheapest()
        plan = cheapest.resolve(self.task, self.models[0])
        per_item = self.costs.cost(plan)
        n = max(per_item.items, 1)
        stages = {
            s: Cost(-(-c.tokens // n), -(-c.calls // n), c.dollars / n)
            for s, c in per_item.stages.items()
        }
        what = "not even the cheapest allocation (one sample a stage, optional ones skipped)"
        check_fits(AllocationCost(stages, 1), self.per_item, what)

    def all_allocations(self) -> Iterator[Allocation]:
        """Every allocation in the space once (a skipped stage counted once)."""
        per_stage = [self.stage_options(s) for s in self.stages]
        for combo in itertools.product(*per_stage):
            yield Allocation(stages=dict(zip(self.stages, combo, strict=True)))

    def describe(self) -> dict[str, Any]:
        return {
            "task": self.task.label,
            "stages": self.stages,
            "models": self.models,
            "samples": list(self.samples),
            "temperatures": list(self.temperatures),
            "per_item_budget": describe_limits(self.per_item),
            "items": len(self.items),
        }
