"""The cost model of an allocation, in tokens, calls and (where litellm knows prices) dollars.

Everything is priced before anything runs: each request at its worst (its prompt with earlier
outputs at their longest, plus ``samples x max_tokens``). ``check_fits`` raises
``AllocationTooCostly`` naming the first stage at which the total passes the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kernels import Budget, CompletionRequest, Cost, Gateway
from search.executor import worst_case
from search.fit import describe_left, fits
from search.staged.allocation import Resolved
from search.staged.errors import AllocationTooCostly
from search.staged.task import StagedTask
from search.staged.view import PlanView
from search.tasks.base import Item


@dataclass(frozen=True)
class AllocationCost:
    """The worst case of running an allocation on ``items`` items, stage by stage."""

    stages: dict[str, Cost]
    items: int

    @property
    def total(self) -> Cost:
        out = Cost()
        for cost in self.stages.values():
            out = out + cost
        return out

    def per_item(self) -> Cost:
        n, total = max(self.items, 1), self.total
        return Cost(-(-total.tokens // n), -(-total.calls // n), total.dollars / n)

    def describe(self) -> str:
        def one(c: Cost) -> str:
            dollars = f", ${c.dollars:.5f}" if c.dollars else ""
            return f"{c.tokens} tokens/{c.calls} calls{dollars}"

        return ", ".join(f"{name} {one(c)}" for name, c in self.stages.items())


@dataclass
class CostModel:
    """Prices allocations of ``task`` on ``items``; prompt token counts are kept, so pricing
    many allocations (a proposer filtering by budget) is arithmetic after the first."""

    task: StagedTask
    items: Sequence[Item]
    gateway: Gateway
    _prompts: dict[tuple[str, str], int] = field(default_factory=dict)

    def prompt_tokens(self, stage: str, model: str) -> list[int]:
        """Per item, the longest prompt ``stage`` can send to ``model``."""
        out = []
        for item in self.items:
            key = (f"{stage}|{item.id}", model)
            if key not in self._prompts:
                alternatives = self.task.plan_messages(self.task.stage(stage), item)
                self._prompts[key] = max(
                    self.gateway.count_prompt_tokens(CompletionRequest(model=model, messages=m))
                    for m in alternatives
                )
            out.append(self._prompts[key])
        return out

    def stage_cost(self, r: Resolved, plan: Sequence[Resolved]) -> Cost:
        if r.skipped:
            return Cost()
        if r.architecture is not None:
            view = PlanView(self.task, self.task.stage(r.stage), self.gateway, r.model)
            return worst_case(r.architecture, view, self.items, gateway=self.gateway, model=r.model)
        stage = self.task.stage(r.stage)
        requests = 1
        if stage.kind == "judge":
            target = next(p for p in plan if p.stage == stage.target)
            requests = min(stage.keep, target.samples if target.architecture is None else 64)
        n = 1 if r.temperature == 0 else r.samples
        completion = n * stage.max_tokens
        total = Cost()
        for prompt in self.prompt_tokens(r.stage, r.model):
            dollars = self.gateway.price(r.model, prompt, completion)
            total = total + Cost(requests * (prompt + completion), requests, requests * dollars)
        return total

    def cost(self, plan: Sequence[Resolved]) -> AllocationCost:
        return AllocationCost({r.stage: self.stage_cost(r, plan) for r in plan}, len(self.items))


def check_fits(cost: AllocationCost, budget: Budget, what: str = "the allocation") -> None:
    """Raise ``AllocationTooCostly`` naming the stage where the worst case passes ``budget``."""
    running = Cost()
    where = "per item" if cost.items == 1 else f"on {cost.items} items"
    for stage, stage_cost in cost.stages.items():
        running = running + stage_cost
        if not fits(budget, running):
            total = cost.total
            raise AllocationTooCostly(
                f"{what} cannot fit in the budget: {where} its worst case is {total.tokens} "
                f"tokens, {total.calls} calls, ${total.dollars:.4f} "
                f"({cost.describe()}), and stage {stage!r} takes it past what is left "
                f"({describe_left(budget)}). Give {stage!r} (or an earlier stage) fewer samples "
                "or a cheaper model, or raise the budget. No model was called.",
                stage=stage,
            )
