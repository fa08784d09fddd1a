"""The gate on a preprint: every claim re-run, the decision and its evidence kept in the store.

A claim names its experiment in ``spec``: ``{"bundle": "bd-..."}`` for code uploaded with
``POST /api/bundles``, or the fields of a declarative ``rxlab.yaml`` (``architecture``, and
optionally ``task``, ``model``, ``budget``; the task defaults to the preprint's). Claims on
the same experiment are checked together, in one run per split. The preprint becomes
``verified`` (every claim reproduced, no serious flag), ``rejected`` (a claim not reproduced,
or no experiment to reproduce it) or ``flagged`` (the monitor found gaming).

    outcome = await gate_preprint(store, "rx-0123456789", gateway=Gateway(home),
                                  bundles=BundleStore(home / "bundles"))
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agents.gate.bundles import BundleStore
from agents.gate.report import Decision, GateReport
from agents.gate.runner import DEFAULT_LIMITS, MaxItems
from agents.gate.sources import Source, group_claims
from agents.gate.verifier import check_bundle
from kernels import Gateway
from preprints import ClaimPublic, FlagCreate, PreprintPublic, Status, Store, VerdictCreate
from sandbox import Limits
from sandbox.monitor import BundleClaim, Flag, MalformedBundle

SEVERITY = {"info": "info", "warning": "warning", "serious": "critical"}
MAX_MESSAGE = 5_000
MAX_CONCURRENT_EXPERIMENTS = 4  # experiments of one preprint checked at once


class NothingToCheck(ValueError):
    """The preprint makes no claims, so the gate has nothing to re-run."""


class PreprintGate(BaseModel):
    """What the gate decided on one preprint version, as recorded in the store."""

    preprint_id: str
    version: int
    status: Decision
    verdicts: list[VerdictCreate]
    flags: list[FlagCreate]
    reports: list[GateReport] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="claims with no run")


def claim_verdict(position: int, label: str, report: GateReport, index: int) -> VerdictCreate:
    """The verdict on one claim, with the numbers that back it."""
    check = report.claims[index]
    run = next(r for r in report.runs if r.split == check.split)
    test = report.test
    evidence: dict[str, Any] = {
        "experiment": label,
        "kind": report.kind,
        "task": report.task,
        "model": report.model,
        "split": check.split,
        "claimed": check.claimed,
        "n": check.n,
        "correct": run.correct,
        "errors": run.errors,
        "seed": report.seed,
        "tokens": run.tokens,
        "test": None
        if test is None
        else {
            "accuracy": test.accuracy,
            "interval": list(test.interval),
            "n": test.n,
            "correct": test.correct,
        },
        "gap": report.gap.model_dump() if report.gap else None,
        "decision": report.decision,
        "reasons": report.reasons,
    }
    return VerdictCreate(
        claim=position,
        reproduced=check.ok,
        value=check.reproduced,
        interval_low=check.interval[0],
        interval_high=check.interval[1],
        evidence=evidence,
    )


def error_verdict(position: int, label: str, error: str) -> VerdictCreate:
    return VerdictCreate(
        claim=position, reproduced=False, evidence={"experiment": label, "error": error}
    )


def store_flag(flag: Flag, label: str) -> FlagCreate:
    evidence = flag.evidence.model_dump(exclude_none=True, exclude_defaults=True)
    evidence |= {"check": flag.check, "stage": flag.stage, "where": flag.where()}
    evidence["experiment"] = label
    return FlagCreate.model_validate(
        {
            "kind": flag.kind,
            "severity": SEVERITY[flag.severity],
            "message": flag.message[:MAX_MESSAGE],
            "evidence": evidence,
        }
    )


def bundle_claims(
    claims: Sequence[ClaimPublic],
) -> tuple[list[tuple[int, BundleClaim]], list[tuple[int, str]]]:
    """Claims the gate can check, and (position, why not) for the rest."""
    good: list[tuple[int, BundleClaim]] = []
    bad: list[tuple[int, str]] = []
    for claim in claims:
        fields = {"metric": claim.metric, "split": claim.split, "value": claim.value}
        try:
            good.append((claim.position, BundleClaim.model_validate(fields)))
        except ValidationError as exc:
            bad.append((claim.position, "; ".join(e["msg"] for e in exc.errors())))
    return good, bad


def decide_preprint(reports: Sequence[GateReport], verdicts: Sequence[VerdictCreate]) -> Decision:
    if any(r.decision == "flagged" for r in reports):
        return "flagged"
    if verdicts and all(v.reproduced for v in verdicts):
        return "verified"
    return "rejected"


async def _check_source(
    source: Source, claims: list[ClaimPublic], **options: Any
) -> tuple[GateReport | None, list[VerdictCreate], list[FlagCreate]]:
    """Run one experiment for its claims: (report, verdicts, flags)."""
    if source.error is not None:
        return None, [error_verdict(c.position, source.label, source.error) for c in claims], []
    good, bad = bundle_claims(claims)
    verdicts = [error_verdict(pos, source.label, why) for pos, why in bad]
    if not good:
        return None, verdicts, []
    assert source.path is not None
    try:
        report = await check_bundle(source.path, claims=[c for _, c in good], **options)
    except MalformedBundle as exc:
        verdicts += [error_verdict(pos, source.label, str(exc)) for pos, _ in good]
        return None, verdicts, []
    verdicts += [claim_verdict(pos, source.label, report, i) for i, (pos, _) in enumerate(good)]
    return report, verdicts, [store_flag(f, source.label) for f in report.flags]


async def gate_preprint(
    store: Store,
    preprint_id: str,
    *,
    gateway: Gateway,
    bundles: BundleStore | None = None,
    bundle: Path | None = None,
    version: int | None = None,
    backend: str = "docker",
    seed: int | None = None,
    max_items: MaxItems = None,
    limits: Limits = DEFAULT_LIMITS,
    record: bool = True,
) -> PreprintGate:
    """Re-run every claim of a preprint version (default: the latest) and, with ``record``,
    store the decision. ``bundle`` is the code for claims whose spec names no experiment."""
    preprint: PreprintPublic = store.get(preprint_id, version)
    if not preprint.claims:
        raise NothingToCheck(f"preprint {preprint_id} v{preprint.version} makes no claims")
    options = dict(gateway=gateway, backend=backend, seed=seed, max_items=max_items, limits=limits)
    reports, verdicts, flags = [], [], []
    with tempfile.TemporaryDirectory(prefix="rxlab-gate-") as scratch:
        groups = group_claims(preprint, bundles=bundles, bundle=bundle, scratch=Path(scratch))
        # Experiments run at once (the engine batches their requests), a few at a time.
        gate = asyncio.Semaphore(MAX_CONCURRENT_EXPERIMENTS)

        async def check(source: Source, claims: list[ClaimPublic]) -> Any:
            async with gate:
                return await _check_source(source, claims, **options)

        done = await asyncio.gather(*(check(source, claims) for source, claims in groups))
        for report, got, raised in done:
            reports += [report] if report is not None else []
            verdicts += got
            flags += raised
    verdicts.sort(key=lambda v: v.claim)
    status = decide_preprint(reports, verdicts)
    if record:
        store.record_gate_decision(
            preprint_id, Status(status), version=preprint.version, verdicts=verdicts, flags=flags
        )
    return PreprintGate(
        preprint_id=preprint_id,
        version=preprint.version,
        status=status,
        verdicts=verdicts,
        flags=flags,
        reports=reports,
        errors=[str(v.evidence["error"]) for v in verdicts if "error" in v.evidence],
    )


__all__ = ["NothingToCheck", "PreprintGate", "gate_preprint"]
