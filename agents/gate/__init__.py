"""The gate: a verifier that reproduces every claim and a monitor that looks for gaming.

``check_bundle`` decides on one experiment bundle; ``gate_preprint`` runs the gate on a
preprint's claims and records the decision in the store; ``GateWorker`` does that in the
background for every preprint that waits for it.
"""

from agents.gate.bundles import BundleInfo, BundleStore, UnsafeArchive
from agents.gate.experiments import Experiment, experiment, make_experiment
from agents.gate.publish import PreprintGate, gate_preprint
from agents.gate.queue import GateJob, GateWorker
from agents.gate.report import ClaimCheck, Decision, GapCheck, GateReport, SplitRun
from agents.gate.verifier import check_bundle, decide, run_bundle_split

__all__ = [
    "BundleInfo",
    "BundleStore",
    "ClaimCheck",
    "Decision",
    "Experiment",
    "GapCheck",
    "GateJob",
    "GateReport",
    "GateWorker",
    "PreprintGate",
    "SplitRun",
    "UnsafeArchive",
    "check_bundle",
    "decide",
    "experiment",
    "gate_preprint",
    "make_experiment",
    "run_bundle_split",
]
