"""``Flag``: one finding of possible specification gaming, with the evidence that backs it.

Every check in the monitor returns flags. A flag names its ``kind`` (what kind of gaming), its
``severity`` (``serious`` blocks publication, ``warning`` is shown, ``info`` is kept for the
record) and its evidence: a file and line with the code, or the numbers that raised it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

FlagKind = Literal[
    "reads_protected_data",
    "tampers_harness",
    "hardcoded_answers",
    "network_attempt",
    "sandbox_escape_attempt",
    "resource_abuse",
    "environment_probing",
    "budget_evasion",
    "claim_mismatch",
    "generalization_gap",
    "suspicious_score",
    "obfuscation",
    "llm_judge",
]
Severity = Literal["info", "warning", "serious"]
Stage = Literal["static", "runtime", "honeypot", "result", "judge"]

FLAG_KINDS: tuple[str, ...] = get_args(FlagKind)
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "serious": 2}
# Kinds that mean "the experiment tried to game its evaluation"; the rest are about results.
GAMING_KINDS: frozenset[str] = frozenset(FLAG_KINDS) - {
    "claim_mismatch",
    "generalization_gap",
    "suspicious_score",
    "llm_judge",
}
SNIPPET_CHARS = 200


class FlagEvidence(BaseModel):
    """Where a flag comes from: code (file, line, snippet) and/or numbers."""

    model_config = ConfigDict(frozen=True)

    file: str | None = None
    line: int | None = None
    snippet: str | None = None
    lines: list[int] = Field(default_factory=list, description="every line with the same finding")
    numbers: dict[str, float] = Field(default_factory=dict)
    detail: str | None = None


class Flag(BaseModel):
    """One finding of the monitor."""

    model_config = ConfigDict(frozen=True)

    kind: FlagKind
    severity: Severity
    evidence: FlagEvidence
    message: str
    check: str = Field(description="the check that raised it, e.g. 'static.network'")
    stage: Stage = "static"

    def where(self) -> str:
        """``file:line`` (or the check's name when the flag is not about code)."""
        ev = self.evidence
        if ev.file and ev.line:
            return f"{ev.file}:{ev.line}"
        return ev.file or self.check


def serious(flags: Iterable[Flag], kinds: Iterable[str] | None = None) -> list[Flag]:
    """The flags of severity ``serious`` (optionally only those of ``kinds``)."""
    wanted = set(kinds) if kinds is not None else None
    return [f for f in flags if f.severity == "serious" and (wanted is None or f.kind in wanted)]


def kinds_of(flags: Iterable[Flag], minimum: Severity = "info") -> set[str]:
    """The kinds among ``flags`` at ``minimum`` severity or above."""
    floor = SEVERITY_RANK[minimum]
    return {f.kind for f in flags if SEVERITY_RANK[f.severity] >= floor}


def sort_flags(flags: Iterable[Flag]) -> list[Flag]:
    """Most severe first, then by kind, file and line."""
    return sorted(
        flags,
        key=lambda f: (
            -SEVERITY_RANK[f.severity],
            f.kind,
            f.evidence.file or "",
            f.evidence.line or 0,
        ),
    )


def clip(text: str, limit: int = SNIPPET_CHARS) -> str:
    """One line of at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
