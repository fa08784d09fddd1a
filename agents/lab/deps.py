"""What a lab's nodes share that is not state: the stores, the gateway, settings, events.

Nothing here is checkpointed; a resumed lab gets fresh ``LabDeps`` and its saved state."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.goals import EventKind, GoalSpec, GoalStore
from kernels import Budget, Cost, Gateway
from preprints import Store


@dataclass
class LabDeps:
    goal_id: str
    lab: str
    index: int
    spec: GoalSpec
    home: Path
    goals: GoalStore
    store: Store
    gateway: Gateway  # tagged with goal and lab: every call counts towards the lab's spend
    gate_gateway: Gateway  # the gate's own (its spend is not the lab's)
    task_model: str
    agent_model: str | None
    backend: str = "docker"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        path = self.home / "goals" / self.goal_id / self.lab
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def limits(self) -> dict[str, Any]:
        share = self.spec.budget.share(self.spec.labs)
        return {"tokens": share.tokens, "calls": share.calls, "dollars": share.dollars}

    def spent(self, **tags: str) -> Cost:
        return self.gateway.spent(goal=self.goal_id, lab=self.lab, **tags)

    def budget(self) -> Budget:
        """The lab's budget now: its share of the goal's, less everything it has spent (read
        from the usage log, so a resumed lab counts what it spent before the crash)."""
        limits = self.limits
        return Budget(
            max_tokens=limits["tokens"],
            max_calls=limits["calls"],
            max_dollars=limits["dollars"],
            spent=self.spent(),
        )

    def emit(self, kind: EventKind | str, data: dict[str, Any]) -> None:
        self.goals.add_event(self.goal_id, self.lab, kind, data)

    def emit_spend(self) -> None:
        spent = self.spent()
        self.emit(
            EventKind.spend,
            {
                "spent": {"tokens": spent.tokens, "calls": spent.calls, "dollars": spent.dollars},
                "budget": self.limits,
            },
        )
