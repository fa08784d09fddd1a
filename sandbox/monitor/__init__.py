"""The monitor: finds specification gaming in an experiment bundle, with evidence for each flag.

- ``inspect_bundle(dir)``: static analysis (``ast``) of the bundle's code and files;
- ``inspect_run(evidence)``: what a sandboxed run left (stderr, limits, model calls, files);
- ``make_decoys`` / ``check_decoys``: a honeypot of answer-looking files with wrong values;
- ``inspect_results(...)``: claims not reproduced, dev/test gaps, suspiciously perfect scores;
- ``judge(code, logs, ask)``: a capable model's labelled opinion (never serious on its own).

``load_bundle`` reads and checks ``rxlab.yaml``; the gate reuses it.
"""

from sandbox.monitor.bundle import (
    BundleBudget,
    BundleClaim,
    BundleSpec,
    MalformedBundle,
    load_bundle,
)
from sandbox.monitor.flags import (
    FLAG_KINDS,
    GAMING_KINDS,
    Flag,
    FlagEvidence,
    FlagKind,
    Severity,
    kinds_of,
    serious,
    sort_flags,
)
from sandbox.monitor.honeypot import DECOY_PATHS, check_decoys, decoy_values, make_decoys
from sandbox.monitor.judge import JUDGE_PROMPT, bundle_code, judge
from sandbox.monitor.results import (
    ClaimResult,
    Counts,
    check_claim,
    check_gap,
    check_perfect,
    diff_interval,
    inspect_results,
    wilson,
)
from sandbox.monitor.runtime import inspect_run
from sandbox.monitor.static import inspect_bundle, inspect_source, static_check, static_checks

__all__ = [
    "DECOY_PATHS",
    "FLAG_KINDS",
    "GAMING_KINDS",
    "JUDGE_PROMPT",
    "BundleBudget",
    "BundleClaim",
    "BundleSpec",
    "ClaimResult",
    "Counts",
    "Flag",
    "FlagEvidence",
    "FlagKind",
    "MalformedBundle",
    "Severity",
    "bundle_code",
    "check_claim",
    "check_decoys",
    "check_gap",
    "check_perfect",
    "decoy_values",
    "diff_interval",
    "inspect_bundle",
    "inspect_results",
    "inspect_run",
    "inspect_source",
    "judge",
    "kinds_of",
    "load_bundle",
    "make_decoys",
    "serious",
    "sort_flags",
    "static_check",
    "static_checks",
    "wilson",
]
