"""What a search leaves: one ``TrialRecord`` per trial and the ``SearchResult`` around them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kernels import Budget
from search.replay import ReplayStats


@dataclass
class TrialRecord:
    """One trial as the results folder shows it."""

    number: int
    state: str
    architecture: dict[str, Any]
    params: dict[str, Any]
    accuracy: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    tokens_per_item: float | None = None
    calls: int = 0
    dollars: float = 0.0
    spent_tokens: int = 0
    spent_calls: int = 0
    wall_s: float = 0.0
    note: str = ""


@dataclass
class SearchResult:
    study_name: str
    storage: str
    sampler: str
    trials: list[TrialRecord]
    budget: Budget
    replay: ReplayStats | None
    wall_s: float
    stopped: str = ""
    notes: list[str] = field(default_factory=list)

    def complete(self) -> list[TrialRecord]:
        return [t for t in self.trials if t.state == "COMPLETE" and t.accuracy is not None]

    def best(self) -> TrialRecord | None:
        done = self.complete()
        return (
            max(done, key=lambda t: (t.accuracy or 0.0, -(t.tokens_per_item or 0.0)))
            if done
            else None
        )

    def pareto(self) -> list[TrialRecord]:
        """Trials no other trial beats on both accuracy (higher) and tokens per item (lower)."""
        done = self.complete()

        def dominated(t: TrialRecord) -> bool:
            return any(
                (o.accuracy or 0) >= (t.accuracy or 0)
                and (o.tokens_per_item or 0) <= (t.tokens_per_item or 0)
                and (
                    (o.accuracy or 0) > (t.accuracy or 0)
                    or (o.tokens_per_item or 0) < (t.tokens_per_item or 0)
                )
                for o in done
            )

        return sorted((t for t in done if not dominated(t)), key=lambda t: t.tokens_per_item or 0)


def record_from_trial(t: Any) -> TrialRecord:
    a = t.user_attrs
    return TrialRecord(
        number=t.number,
        state=t.state.name,
        architecture=a.get("spec", {}),
        params=dict(t.params),
        accuracy=a.get("accuracy"),
        ci_low=a.get("ci_low"),
        ci_high=a.get("ci_high"),
        tokens_per_item=a.get("tokens_per_item"),
        calls=int(a.get("calls", 0)),
        dollars=float(a.get("dollars", 0.0)),
        spent_tokens=int(a.get("spent_tokens", 0)),
        spent_calls=int(a.get("spent_calls", 0)),
        wall_s=float(a.get("wall_s", 0.0)),
        note=str(a.get("note", "")),
    )
