"""Budgets refuse before sending and never overspend, also under concurrency."""

from __future__ import annotations

import threading

import pytest

from kernels import Budget, BudgetExceeded, Cost


def test_reserve_refuses_what_could_break_the_budget() -> None:
    budget = Budget(max_tokens=10)
    with pytest.raises(BudgetExceeded) as info:
        budget.reserve(Cost(tokens=100, calls=1))
    assert info.value.what == "tokens"
    assert info.value.left == 10
    assert "only 10 of 10 tokens are left" in str(info.value)
    assert budget.spent == Cost() and budget.reserved == Cost()


def test_settle_replaces_the_reservation_by_actual_use() -> None:
    budget = Budget(max_tokens=100, max_calls=3)
    r = budget.reserve(Cost(tokens=60, calls=1))
    assert budget.left.tokens == 40
    budget.settle(r, Cost(tokens=25, calls=1))
    assert budget.spent == Cost(tokens=25, calls=1)
    assert budget.reserved == Cost()
    assert budget.left.tokens == 75
    budget.settle(r, Cost(tokens=25, calls=1))  # settling twice changes nothing
    assert budget.spent.tokens == 25


def test_calls_and_dollars_are_limited_too() -> None:
    budget = Budget(max_calls=1, max_dollars=0.5)
    budget.reserve(Cost(calls=1, dollars=0.1))
    with pytest.raises(BudgetExceeded, match="calls"):
        budget.reserve(Cost(calls=1))
    other = Budget(max_dollars=0.5)
    with pytest.raises(BudgetExceeded, match=r"\$0.5 dollars"):
        other.reserve(Cost(calls=1, dollars=0.6))


def test_concurrent_reservations_never_overspend() -> None:
    budget = Budget(max_tokens=1000)
    granted: list[int] = []

    def worker() -> None:
        for _ in range(50):
            try:
                r = budget.reserve(Cost(tokens=7, calls=1))
            except BudgetExceeded:
                continue
            granted.append(1)
            budget.settle(r, Cost(tokens=7, calls=1))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert budget.spent.tokens <= 1000
    assert len(granted) == 1000 // 7


def test_negative_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        Budget(max_tokens=-1)


def test_child_budget_is_capped_by_what_is_left() -> None:
    parent = Budget(max_tokens=100)
    parent.settle(parent.reserve(Cost(tokens=70)), Cost(tokens=70))
    child = parent.child(max_tokens=50)
    assert child.max_tokens == 30
    assert parent.child().max_tokens == 30
