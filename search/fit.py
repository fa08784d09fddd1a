"""Does a trial fit in what is left of the budget? Priced before anything is sent."""

from __future__ import annotations

from kernels import Budget, Cost, Gateway
from search.errors import BudgetTooSmall
from search.executor import worst_case
from search.replay import SampleBank
from search.space import SearchSpace
from search.tasks.base import Task


def space_models(space: SearchSpace, default_model: str) -> list[str]:
    """Every model a trial of the space can call."""
    found = {default_model}
    for slot in space.layers:
        for choice in slot.choices:
            if isinstance(choice, str):
                continue
            value = choice.fields().get("model")
            found.update(value if isinstance(value, list) else [value] if value else [])
    return sorted(found)


def check_fits(
    space: SearchSpace,
    task: Task,
    gateway: Gateway,
    model: str,
    budget: Budget,
    bank: SampleBank | None,
) -> Cost:
    """The worst case of the cheapest trial; ``BudgetTooSmall`` when even that cannot fit."""
    dev = task.split("dev")
    draw = space.max_samples()
    costs = [
        worst_case(a, task, dev, gateway=gateway, model=model, replay=bank, replay_draw=draw)
        for a in space.cheapest_candidates()
    ]
    cheapest = min(costs, key=lambda c: (c.tokens, c.dollars, c.calls))
    if not fits(budget, cheapest):
        raise BudgetTooSmall(
            f"the search space {space.name!r} cannot fit in the budget: its cheapest trial on the "
            f"{len(dev)} dev items could use {cheapest.tokens} tokens, {cheapest.calls} calls and "
            f"${cheapest.dollars:.4f}, but the budget has {describe_left(budget)} left. Raise "
            "--budget, or shrink the space (fewer samples, smaller max_tokens). No model was called"
        )
    return cheapest


def fits(budget: Budget, cost: Cost) -> bool:
    left = budget.left
    return (
        cost.tokens <= left.tokens
        and cost.calls <= left.calls
        and cost.dollars <= left.dollars + 1e-12
    )


def describe_left(budget: Budget) -> str:
    left, parts = budget.left, []
    if budget.max_tokens is not None:
        parts.append(f"{left.tokens} tokens")
    if budget.max_calls is not None:
        parts.append(f"{left.calls} calls")
    if budget.max_dollars is not None:
        parts.append(f"${left.dollars:.4f}")
    return ", ".join(parts) or "an unlimited amount"
