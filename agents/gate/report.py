"""What the gate decides and why: claim checks, the test-split run, flags, the decision."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from sandbox.monitor import Flag, wilson

Decision = Literal["verified", "rejected", "flagged"]


class ClaimCheck(BaseModel):
    """One claim re-run: the claimed value, what the reproduction gave, and its 95% interval."""

    metric: str
    split: str
    claimed: float
    reproduced: float
    interval: tuple[float, float]
    n: int
    ok: bool


class SplitRun(BaseModel):
    """One run of the bundle on a split in a fresh sandbox, scored outside it."""

    split: str
    n: int
    correct: int
    accuracy: float
    interval: tuple[float, float]
    errors: int = Field(0, description="items whose solve raised or gave no answer")
    seed: int
    wall_s: float
    tokens: int = 0
    evidence: dict[str, Any] = Field(default_factory=dict, description="the sandbox's evidence")

    @classmethod
    def scored(cls, *, split: str, n: int, correct: int, **fields: Any) -> SplitRun:
        """A run with its accuracy and Wilson 95% interval (exact at 0 and at n)."""
        interval = wilson(correct, n) if n else (0.0, 1.0)
        accuracy = correct / n if n else 0.0
        return cls(
            split=split, n=n, correct=correct, accuracy=accuracy, interval=interval, **fields
        )


class GapCheck(BaseModel):
    """The dev/test gap: dev accuracy minus test accuracy, with a 95% interval."""

    dev: float
    test: float
    gap: float
    interval: tuple[float, float]


class GateReport(BaseModel):
    """The gate's decision on one bundle, with all its evidence."""

    decision: Decision
    bundle: str
    kind: str = Field("code", description="code, architecture or allocation")
    task: str
    model: str | None
    seed: int | None = Field(None, description="the seed of the reproduction")
    claims: list[ClaimCheck]
    test: SplitRun | None
    gap: GapCheck | None = None
    runs: list[SplitRun] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The ``rxlab gate check --json`` shape."""
        test = None
        if self.test is not None:
            test = {
                "accuracy": self.test.accuracy,
                "interval": list(self.test.interval),
                "n": self.test.n,
                "gap": self.gap.model_dump() if self.gap else None,
            }
        return {
            "decision": self.decision,
            "bundle": self.bundle,
            "kind": self.kind,
            "seed": self.seed,
            "claims": [
                {
                    "metric": c.metric,
                    "split": c.split,
                    "claimed": c.claimed,
                    "reproduced": c.reproduced,
                    "interval": list(c.interval),
                    "n": c.n,
                    "ok": c.ok,
                }
                for c in self.claims
            ],
            "test": test,
            "flags": [
                {
                    "kind": f.kind,
                    "severity": f.severity,
                    "evidence": f.evidence.model_dump(exclude_none=True),
                    "where": f.where(),
                    "message": f.message,
                }
                for f in self.flags
            ],
            "reasons": self.reasons,
        }
