"""Multi-stage tasks and test-time budget allocation, AgentTTS-style.

A staged task passes each item through stages (``arith-staged``: plan -> solve -> check;
``humaneval-staged``: code -> tests -> pick by running the tests in the sandbox; or stages
declared in YAML/JSON). An ``Allocation`` gives each stage a model, a sample count and a
temperature (or a whole architecture). ``run_allocation`` prices it, checks the budget, runs
it and returns an ``AllocationResult``; ``run_study`` searches an ``AllocationSpace`` with a
proposer (``random``, ``tpe``, or ``agent`` from ``agents.allocate``) through one optuna study.
"""

from search.staged import arith, humaneval  # noqa: F401  (register the built-in staged tasks)
from search.staged.allocation import Allocation, Resolved, StageAllocation
from search.staged.cost import AllocationCost, CostModel, check_fits
from search.staged.declared import load_declared
from search.staged.errors import AllocationError, AllocationTooCostly, UnknownStagedTask
from search.staged.executor import AllocationResult, StagedOutcome, pick_items, run_allocation
from search.staged.proposers import (
    Proposal,
    ProposalContext,
    Proposer,
    get_proposer,
    list_proposers,
    proposer,
)
from search.staged.space import AllocationSpace
from search.staged.stages import Stage, StageOutput
from search.staged.study import AllocationTrial, StudyResult, run_study
from search.staged.task import StagedTask, get_staged_task, list_staged_tasks, staged_task

__all__ = [
    "Allocation",
    "AllocationCost",
    "AllocationError",
    "AllocationResult",
    "AllocationSpace",
    "AllocationTooCostly",
    "AllocationTrial",
    "CostModel",
    "Proposal",
    "ProposalContext",
    "Proposer",
    "Resolved",
    "Stage",
    "StageAllocation",
    "StageOutput",
    "StagedOutcome",
    "StagedTask",
    "StudyResult",
    "UnknownStagedTask",
    "check_fits",
    "get_proposer",
    "get_staged_task",
    "list_proposers",
    "list_staged_tasks",
    "load_declared",
    "pick_items",
    "proposer",
    "run_allocation",
    "run_study",
    "staged_task",
]
