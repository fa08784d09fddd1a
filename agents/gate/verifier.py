"""The gate: reproduce every claim on a fresh seed (code in a fresh sandbox), run the unseen
test split, and ask the monitor for specification gaming. Only then is a result ``verified``.

    report = await check_bundle("bundles/my-experiment", gateway=Gateway(home))
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from pathlib import Path

from agents.gate.experiments import Experiment, RunSettings, make_experiment
from agents.gate.report import ClaimCheck, Decision, GapCheck, GateReport, SplitRun
from agents.gate.runner import DEFAULT_LIMITS, MaxItems, pick_items
from kernels import Gateway
from sandbox import Limits
from sandbox.monitor import (
    BundleClaim,
    ClaimResult,
    Counts,
    Flag,
    MalformedBundle,
    diff_interval,
    inspect_results,
    load_bundle,
    serious,
    sort_flags,
)
from search import Task

# What the gate measures: the share of items the trusted scorer marks correct.
MEASURED_METRICS = frozenset({"accuracy", "pass@1", "pass_rate", "exact_match"})
# A serious flag of these kinds rejects (the claim is wrong); any other serious flag flags.
REJECTING_KINDS = frozenset({"claim_mismatch"})


def decide(claims: list[ClaimCheck], flags: list[Flag]) -> tuple[Decision, list[str]]:
    """``flagged`` on serious gaming (a serious dev/test gap included), else ``rejected`` on an
    unreproduced claim, else ``verified``."""
    gaming = [f for f in serious(flags) if f.kind not in REJECTING_KINDS]
    if gaming:
        return "flagged", [f"{f.kind} at {f.where()}: {f.message}" for f in gaming]
    failed = [c for c in claims if not c.ok]
    if failed:
        return "rejected", [
            f"claim {c.metric} on {c.split} = {c.claimed:g} not reproduced: got "
            f"{c.reproduced:.3f}, 95% interval [{c.interval[0]:.3f}, {c.interval[1]:.3f}]"
            for c in failed
        ]
    return "verified", ["every claim reproduced within its 95% interval; no serious flag"]


def _check_claims(claims: Sequence[BundleClaim]) -> None:
    for claim in claims:
        if claim.metric not in MEASURED_METRICS:
            raise MalformedBundle(
                f"claim metric {claim.metric!r} cannot be checked: the gate measures the share "
                f"of items the task's scorer marks correct ({', '.join(sorted(MEASURED_METRICS))})"
            )


def claim_check(claim: BundleClaim, run: SplitRun) -> ClaimCheck:
    lo, hi = run.interval
    return ClaimCheck(
        metric=claim.metric,
        split=claim.split,
        claimed=claim.value,
        reproduced=run.accuracy,
        interval=run.interval,
        n=run.n,
        ok=lo <= claim.value <= hi,
    )


def gap_check(dev: SplitRun | None, test: SplitRun) -> GapCheck | None:
    """Dev minus test accuracy with Newcombe's 95% interval (``None`` without a dev run)."""
    if dev is None or not dev.n or not test.n:
        return None
    lo, hi = diff_interval(Counts(k=dev.correct, n=dev.n), Counts(k=test.correct, n=test.n))
    return GapCheck(
        dev=dev.accuracy, test=test.accuracy, gap=dev.accuracy - test.accuracy, interval=(lo, hi)
    )


def result_flags(checks: list[ClaimCheck], runs: dict[str, SplitRun]) -> list[Flag]:
    """Claims outside their reproduction's interval, a dev/test gap beyond its interval, and
    a perfect dev score where the same experiment on the unseen test split (the baseline)
    reaches far less."""
    dev, test = runs.get("dev"), runs["test"]
    test_counts = Counts(k=test.correct, n=test.n) if test.n else None
    return inspect_results(
        [
            ClaimResult(
                metric=c.metric,
                split=c.split,
                claimed=c.claimed,
                reproduced=Counts(k=runs[c.split].correct, n=max(runs[c.split].n, 1)),
            )
            for c in checks
        ],
        dev=Counts(k=dev.correct, n=dev.n) if dev and dev.n else None,
        test=test_counts,
        baseline=test_counts,
    )


def prepare(
    path: Path | str,
    *,
    gateway: Gateway,
    backend: str = "docker",
    limits: Limits = DEFAULT_LIMITS,
    claims: Sequence[BundleClaim] | None = None,
) -> tuple[Experiment, Task, list[BundleClaim]]:
    """Read and check a bundle before anything runs; ``MalformedBundle`` says what to fix."""
    spec = load_bundle(path)
    chosen = list(spec.claims if claims is None else claims)
    _check_claims(chosen)
    experiment = make_experiment(spec, RunSettings(gateway, backend, limits))
    return experiment, experiment.task, chosen


async def check_bundle(
    path: Path | str,
    *,
    gateway: Gateway,
    backend: str = "docker",
    seed: int | None = None,
    max_items: MaxItems = None,
    limits: Limits = DEFAULT_LIMITS,
    claims: Sequence[BundleClaim] | None = None,
) -> GateReport:
    """Run the whole gate on the bundle at ``path``: its own claims, or ``claims`` (a
    preprint's) instead. Raises ``MalformedBundle`` when it cannot be read or run as it is."""
    experiment, task, chosen = prepare(
        path, gateway=gateway, backend=backend, limits=limits, claims=claims
    )
    seed = seed if seed is not None else secrets.randbelow(2**31)
    flags = experiment.static_flags()
    splits = sorted({c.split for c in chosen} | {"test"})
    done = await asyncio.gather(  # the splits run at once; the engine batches their requests
        *(
            experiment.run_split(task, pick_items(task, s, max_items, seed), split=s, seed=seed)
            for s in splits
        )
    )
    runs: dict[str, SplitRun] = {}
    for split, (run, run_flags) in zip(splits, done, strict=True):
        runs[split] = run
        flags += run_flags
    checks = [claim_check(c, runs[c.split]) for c in chosen]
    flags = sort_flags(flags + result_flags(checks, runs))
    decision, reasons = decide(checks, flags)
    return GateReport(
        decision=decision,
        bundle=str(path),
        kind=experiment.kind,
        task=experiment.spec.task,
        model=experiment.spec.model,
        seed=seed,
        claims=checks,
        test=runs["test"],
        gap=gap_check(runs.get("dev"), runs["test"]),
        runs=list(runs.values()),
        flags=flags,
        reasons=reasons,
    )


async def run_bundle_split(
    path: Path | str,
    split: str,
    *,
    gateway: Gateway,
    backend: str = "docker",
    seed: int = 0,
    max_items: MaxItems = None,
    limits: Limits = DEFAULT_LIMITS,
) -> SplitRun:
    """One run of a bundle on one split, scored as the gate scores it (to measure a claim)."""
    experiment, task, _ = prepare(path, gateway=gateway, backend=backend, limits=limits)
    items = pick_items(task, split, max_items, seed)
    run, _flags = await experiment.run_split(task, items, split=split, seed=seed)
    return run
