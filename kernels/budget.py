"""A spending limit in tokens, calls and dollars that refuses a call before it is sent.

Every call reserves its worst case (prompt tokens plus ``n * max_tokens``) before it goes out
and settles to what it really used afterwards, so concurrent calls can never overspend.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from kernels.errors import GatewayError


class BudgetExceeded(GatewayError):
    """A call was refused because it could break the budget; nothing was sent."""

    def __init__(self, what: str, limit: float, used: float, reserved: float, asked: float) -> None:
        self.what = what
        self.limit = limit
        self.left = max(0.0, limit - used - reserved)
        self.asked = asked
        unit = "$" if what == "dollars" else ""
        super().__init__(
            f"budget exceeded: this call could use {unit}{asked:g} {what} but only "
            f"{unit}{self.left:g} of {unit}{limit:g} {what} are left "
            f"({unit}{used:g} spent, {unit}{reserved:g} reserved by calls in flight); "
            "the call was not sent. Raise the budget or ask for fewer samples/tokens."
        )


@dataclass(frozen=True)
class Cost:
    """An amount of spending: tokens, calls and dollars."""

    tokens: int = 0
    calls: int = 0
    dollars: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.tokens + other.tokens, self.calls + other.calls, self.dollars + other.dollars
        )

    def __sub__(self, other: Cost) -> Cost:
        return Cost(
            self.tokens - other.tokens, self.calls - other.calls, self.dollars - other.dollars
        )


@dataclass
class Reservation:
    cost: Cost
    settled: bool = False


@dataclass
class Budget:
    """Limits on tokens, calls and dollars; ``None`` means no limit on that one."""

    max_tokens: int | None = None
    max_calls: int | None = None
    max_dollars: float | None = None
    spent: Cost = field(default_factory=Cost)
    reserved: Cost = field(default_factory=Cost)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("max_tokens", "max_calls", "max_dollars"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"budget {name} must be >= 0, got {value}")

    @property
    def left(self) -> Cost:
        """What may still be reserved (limits minus spent minus reserved)."""
        big = 10**18
        return Cost(
            tokens=(self.max_tokens if self.max_tokens is not None else big)
            - self.spent.tokens
            - self.reserved.tokens,
            calls=(self.max_calls if self.max_calls is not None else big)
            - self.spent.calls
            - self.reserved.calls,
            dollars=(self.max_dollars if self.max_dollars is not None else float(big))
            - self.spent.dollars
            - self.reserved.dollars,
        )

    def _check(self, ask: Cost) -> None:
        checks: list[tuple[str, float | None, float, float, float]] = [
            ("tokens", self.max_tokens, self.spent.tokens, self.reserved.tokens, ask.tokens),
            ("calls", self.max_calls, self.spent.calls, self.reserved.calls, ask.calls),
            ("dollars", self.max_dollars, self.spent.dollars, self.reserved.dollars, ask.dollars),
        ]
        for what, limit, used, reserved, asked in checks:
            if limit is not None and used + reserved + asked > limit + 1e-12:
                raise BudgetExceeded(what, limit, used, reserved, asked)

    def reserve(self, ask: Cost) -> Reservation:
        """Hold ``ask`` for a call about to be sent, or raise ``BudgetExceeded``."""
        with self._lock:
            self._check(ask)
            self.reserved = self.reserved + ask
            return Reservation(ask)

    def settle(self, reservation: Reservation, actual: Cost) -> None:
        """Replace a reservation by what the call really used (never more than reserved)."""
        with self._lock:
            if reservation.settled:
                return
            reservation.settled = True
            self.reserved = self.reserved - reservation.cost
            self.spent = self.spent + actual

    def release(self, reservation: Reservation) -> None:
        """Give a reservation back unused (the call failed before spending anything)."""
        self.settle(reservation, Cost())

    def child(
        self,
        max_tokens: int | None = None,
        max_calls: int | None = None,
        max_dollars: float | None = None,
    ) -> Budget:
        """A fresh budget whose limits are capped by what is left here now."""
        left = self.left

        def cap(mine: float | None, parent: float | None, left_value: float) -> float | None:
            if parent is None:
                return mine
            return left_value if mine is None else min(mine, left_value)

        tokens = cap(max_tokens, self.max_tokens, left.tokens)
        calls = cap(max_calls, self.max_calls, left.calls)
        return Budget(
            max_tokens=None if tokens is None else int(tokens),
            max_calls=None if calls is None else int(calls),
            max_dollars=cap(max_dollars, self.max_dollars, left.dollars),
        )

    def describe(self) -> str:
        parts = []
        if self.max_tokens is not None:
            parts.append(f"{self.spent.tokens}/{self.max_tokens} tokens")
        if self.max_calls is not None:
            parts.append(f"{self.spent.calls}/{self.max_calls} calls")
        if self.max_dollars is not None:
            parts.append(f"${self.spent.dollars:.4f}/${self.max_dollars:g}")
        return ", ".join(parts) or "unlimited"
