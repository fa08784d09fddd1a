"""The gate: reproduce every claim on a fresh sandbox and seed, run the unseen test split,
and ask the monitor for specification gaming. Only then is a result ``verified``.

    report = await check_bundle("bundles/my-experiment", gateway=Gateway(home))
"""

from __future__ import annotations

import secrets
from pathlib import Path

from agents.gate.harness import ANSWERS_FILE, HARNESS_FILE, ITEMS_FILE
from agents.gate.report import ClaimCheck, Decision, GapCheck, GateReport, SplitRun
from agents.gate.runner import DEFAULT_LIMITS, pick_items, run_split
from kernels import Gateway
from sandbox import Limits
from sandbox.monitor import (
    ClaimResult,
    Counts,
    Flag,
    MalformedBundle,
    diff_interval,
    inspect_bundle,
    inspect_results,
    inspect_run,
    load_bundle,
    make_decoys,
    serious,
    sort_flags,
)
from search import get_task
from search.errors import UnknownTask

HARNESS_FILES = (ITEMS_FILE, ANSWERS_FILE, HARNESS_FILE)
RESULT_KINDS = frozenset({"claim_mismatch", "generalization_gap"})


def _counts(run: SplitRun) -> Counts | None:
    return Counts(k=run.correct, n=run.n) if run.n else None


def decide(claims: list[ClaimCheck], flags: list[Flag]) -> tuple[Decision, list[str]]:
    """``flagged`` on serious gaming, else ``rejected`` on an unreproduced claim, else
    ``verified``."""
    gaming = [f for f in serious(flags) if f.kind not in RESULT_KINDS]
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


async def check_bundle(
    path: Path | str,
    *,
    gateway: Gateway,
    backend: str = "docker",
    seed: int | None = None,
    max_items: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> GateReport:
    """Run the whole gate on the bundle at ``path``. Raises ``MalformedBundle`` when it
    cannot be read or names a task or model that does not exist."""
    spec = load_bundle(path)
    if spec.kind != "code":
        raise MalformedBundle(
            f"{spec.kind} bundles are not verified by the gate yet; give `entry:` with code"
        )
    try:
        task = get_task(spec.task)
    except UnknownTask as exc:
        raise MalformedBundle(str(exc)) from None
    if spec.model is None:
        raise MalformedBundle("give `model:` (what `llm` may call), e.g. local/smollm2-135m")
    try:
        gateway.check_model(spec.model)
    except Exception as exc:
        raise MalformedBundle(str(exc)) from None
    seed = seed if seed is not None else secrets.randbelow(2**31)
    flags = list(inspect_bundle(path, spec))
    runs: dict[str, SplitRun] = {}
    for split in sorted({c.split for c in spec.claims} | {"test"}):
        items = pick_items(task, split, max_items, seed)
        decoys = make_decoys([(it.id, it.question) for it in items], salt=f"{seed}-{split}")
        run, evidence, answers = await run_split(
            spec,
            task,
            items,
            split=split,
            gateway=gateway,
            seed=seed,
            backend=backend,
            decoys=decoys,
            limits=limits,
        )
        runs[split] = run
        flags += inspect_run(
            evidence,
            decoys=decoys,
            outputs={k: str(v["answer"]) for k, v in answers.items()},
            harness_files=(*HARNESS_FILES, *decoys),
            logs=[str(v["error"]) for v in answers.values() if v["error"]],
        )
    checks = [
        ClaimCheck(
            metric=c.metric,
            split=c.split,
            claimed=c.value,
            reproduced=runs[c.split].accuracy,
            interval=runs[c.split].interval,
            n=runs[c.split].n,
            ok=runs[c.split].interval[0] <= c.value <= runs[c.split].interval[1],
        )
        for c in spec.claims
    ]
    dev, test = runs.get("dev"), runs["test"]
    flags += inspect_results(
        [
            ClaimResult(
                metric=c.metric,
                split=c.split,
                claimed=c.claimed,
                reproduced=Counts(k=runs[c.split].correct, n=max(runs[c.split].n, 1)),
            )
            for c in checks
        ],
        dev=_counts(dev) if dev else None,
        test=_counts(test),
    )
    gap = None
    if dev is not None and dev.n and test.n:
        lo, hi = diff_interval(Counts(k=dev.correct, n=dev.n), Counts(k=test.correct, n=test.n))
        gap = GapCheck(
            dev=dev.accuracy,
            test=test.accuracy,
            gap=dev.accuracy - test.accuracy,
            interval=(lo, hi),
        )
    flags = sort_flags(flags)
    decision, reasons = decide(checks, flags)
    return GateReport(
        decision=decision,
        bundle=str(path),
        task=spec.task,
        model=spec.model,
        claims=checks,
        test=test,
        gap=gap,
        runs=list(runs.values()),
        flags=flags,
        reasons=reasons,
    )
