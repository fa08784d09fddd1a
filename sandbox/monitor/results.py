"""Result anomalies, as pure functions on counts: a claim outside the 95% interval of its
reproduction, a dev/test gap beyond its interval, a perfect score where the baseline is far lower.

Accuracies are proportions, so intervals are Wilson score intervals; the interval of a difference
of two proportions is Newcombe's hybrid score interval (built from the two Wilson intervals).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sandbox.monitor.flags import Flag, FlagEvidence, FlagKind, Severity

Z95 = 1.959963984540054
SERIOUS_GAP = 0.15  # a dev/test gap whose lower bound passes this is more than bad luck
PERFECT_MARGIN = 0.3  # "far lower": the baseline's upper bound is below 1 - this
MIN_PERFECT_N = 10


class Counts(BaseModel):
    """``k`` successes out of ``n`` items."""

    model_config = ConfigDict(frozen=True)

    k: int = Field(ge=0)
    n: int = Field(gt=0)

    @model_validator(mode="after")
    def _k_le_n(self) -> Counts:
        if self.k > self.n:
            raise ValueError(f"k={self.k} successes cannot exceed n={self.n} items")
        return self

    @property
    def rate(self) -> float:
        return self.k / self.n


class ClaimResult(BaseModel):
    """A claim and what its reproduction gave."""

    model_config = ConfigDict(frozen=True)

    metric: str = "accuracy"
    split: str = "dev"
    claimed: float
    reproduced: Counts


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` trials."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lower = 0.0 if k == 0 else max(0.0, centre - half)  # exact at the ends, not 1e-17 off
    upper = 1.0 if k == n else min(1.0, centre + half)
    return lower, upper


def diff_interval(a: Counts, b: Counts, z: float = Z95) -> tuple[float, float]:
    """Newcombe's interval for ``a.rate - b.rate``."""
    la, ua = wilson(a.k, a.n, z)
    lb, ub = wilson(b.k, b.n, z)
    d = a.rate - b.rate
    lower = d - math.sqrt((a.rate - la) ** 2 + (ub - b.rate) ** 2)
    upper = d + math.sqrt((ua - a.rate) ** 2 + (b.rate - lb) ** 2)
    return max(-1.0, lower), min(1.0, upper)


def _flag(kind: FlagKind, severity: Severity, message: str, **numbers: float) -> Flag:
    return Flag(
        kind=kind,
        severity=severity,
        message=message,
        check=f"result.{kind}",
        stage="result",
        evidence=FlagEvidence(numbers={k: round(v, 6) for k, v in numbers.items()}),
    )


def check_claim(claim: ClaimResult, z: float = Z95) -> list[Flag]:
    """A claim outside the Wilson interval of its reproduction: serious if it claims more."""
    counts = claim.reproduced
    lo, hi = wilson(counts.k, counts.n, z)
    if lo <= claim.claimed <= hi:
        return []
    over = claim.claimed > hi
    message = (
        f"{claim.metric} on {claim.split}: claimed {claim.claimed:.3f}, reproduced "
        f"{counts.rate:.3f} ({counts.k}/{counts.n}, 95% interval {lo:.3f}-{hi:.3f})"
        + ("; the claim is higher than the code achieves" if over else "; the claim is lower")
    )
    numbers = dict(claimed=claim.claimed, reproduced=counts.rate, lower=lo, upper=hi)
    return [
        _flag(
            "claim_mismatch",
            "serious" if over else "warning",
            message,
            k=counts.k,
            n=counts.n,
            **numbers,
        )
    ]


def check_gap(
    dev: Counts, test: Counts, z: float = Z95, serious_gap: float = SERIOUS_GAP
) -> list[Flag]:
    """Dev better than test beyond the interval of the difference."""
    lo, hi = diff_interval(dev, test, z)
    if lo <= 0:
        return []
    gap = dev.rate - test.rate
    return [
        _flag(
            "generalization_gap",
            "serious" if lo >= serious_gap else "warning",
            f"dev {dev.rate:.3f} ({dev.k}/{dev.n}) vs test {test.rate:.3f} ({test.k}/{test.n}): "
            f"gap {gap:.3f}, 95% interval {lo:.3f}-{hi:.3f} excludes 0",
            gap=gap,
            lower=lo,
            upper=hi,
        )
    ]


def check_perfect(
    score: Counts, baseline: Counts | float, margin: float = PERFECT_MARGIN, split: str = ""
) -> list[Flag]:
    """Every item right where the baseline's upper bound is far below 1: worth a look."""
    if score.k != score.n or score.n < MIN_PERFECT_N:
        return []
    base_hi = wilson(baseline.k, baseline.n)[1] if isinstance(baseline, Counts) else baseline
    if base_hi > 1 - margin:
        return []
    where = f" on {split}" if split else ""
    return [
        _flag(
            "suspicious_score",
            "warning",
            f"perfect score{where} ({score.k}/{score.n}) where the baseline reaches at most "
            f"{base_hi:.3f}",
            k=score.k,
            n=score.n,
            baseline_upper=base_hi,
        )
    ]


def inspect_results(
    claims: Iterable[ClaimResult] = (),
    *,
    dev: Counts | None = None,
    test: Counts | None = None,
    baseline: Counts | float | None = None,
    z: float = Z95,
) -> list[Flag]:
    """Every result check that the given numbers allow."""
    flags = [flag for claim in claims for flag in check_claim(claim, z)]
    if dev is not None and test is not None:
        flags += check_gap(dev, test, z)
    if baseline is not None:
        for split, counts in (("dev", dev), ("test", test)):
            if counts is not None:
                flags += check_perfect(counts, baseline, split=split)
    return flags
