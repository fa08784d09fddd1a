"""Records of a run: one ``ItemOutcome`` per item and a ``TrialResult`` with the aggregates."""

from __future__ import annotations

from pydantic import BaseModel, Field

from search.stats import wilson


class ItemOutcome(BaseModel):
    """What an architecture did on one item."""

    item_id: str
    response: str = ""
    answer: str | None = None
    score: float = 0.0
    detail: str = ""
    tokens: int = 0  # as if nothing were replayed: the architecture's own cost
    dollars: float = 0.0
    calls: int = 0
    spent_tokens: int = 0  # what this run really sent (less when samples were replayed)
    spent_calls: int = 0
    latency_s: float = 0.0
    error: str | None = None


class TrialResult(BaseModel):
    """Aggregates of a run of one architecture on one split."""

    architecture: str
    split: str
    outcomes: list[ItemOutcome] = Field(default_factory=list)
    wall_s: float = 0.0

    @property
    def n(self) -> int:
        return len(self.outcomes)

    @property
    def accuracy(self) -> float:
        return sum(o.score for o in self.outcomes) / self.n if self.n else 0.0

    @property
    def ci(self) -> tuple[float, float]:
        return wilson(sum(o.score for o in self.outcomes), self.n)

    def total(self, field: str) -> float:
        return sum(getattr(o, field) for o in self.outcomes)

    @property
    def tokens(self) -> int:
        return int(self.total("tokens"))

    @property
    def errors(self) -> int:
        return sum(1 for o in self.outcomes if o.error)

    def summary(self) -> dict[str, float | int | str]:
        lo, hi = self.ci
        n = max(self.n, 1)
        return {
            "architecture": self.architecture,
            "split": self.split,
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "ci_low": round(lo, 4),
            "ci_high": round(hi, 4),
            "tokens": self.tokens,
            "tokens_per_item": round(self.tokens / n, 1),
            "dollars": round(self.total("dollars"), 6),
            "calls": int(self.total("calls")),
            "spent_tokens": int(self.total("spent_tokens")),
            "spent_calls": int(self.total("spent_calls")),
            "latency_s_per_item": round(self.total("latency_s") / n, 3),
            "wall_s": round(self.wall_s, 2),
            "errors": self.errors,
        }
