"""The gate: a verifier that reproduces every claim and a monitor that looks for gaming."""

from agents.gate.report import ClaimCheck, Decision, GapCheck, GateReport, SplitRun
from agents.gate.verifier import check_bundle, decide

__all__ = [
    "ClaimCheck",
    "Decision",
    "GapCheck",
    "GateReport",
    "SplitRun",
    "check_bundle",
    "decide",
]
