"""Inference-time architecture search, Archon-style: tasks, components, the architecture
language and its executor, search with optuna under a budget, sample replay, results.

Heavy imports (optuna, matplotlib, torch through the gateway) happen on first use.
"""

from search.architecture import Architecture, single_call
from search.components import Candidate, Component, ComponentBase, State, component
from search.context import Context
from search.errors import ArchitectureError, BudgetTooSmall, SearchError, SpaceError, UnknownTask
from search.executor import run_architecture, worst_case
from search.fit import check_fits
from search.optimize import SAMPLERS, best_architecture, run_search
from search.outcomes import ItemOutcome, TrialResult
from search.records import SearchResult, TrialRecord
from search.replay import ReplayStats, SampleBank
from search.results import Comparison, compare, evaluate_on_test, write_results
from search.space import SearchSpace, bundled_space, resolve_space
from search.stats import paired_difference, wilson
from search.tasks import Item, JsonlTask, Score, Task, get_task, list_tasks, task

__all__ = [
    "SAMPLERS",
    "Architecture",
    "ArchitectureError",
    "BudgetTooSmall",
    "Candidate",
    "Comparison",
    "Component",
    "ComponentBase",
    "Context",
    "Item",
    "ItemOutcome",
    "JsonlTask",
    "ReplayStats",
    "SampleBank",
    "Score",
    "SearchError",
    "SearchResult",
    "SearchSpace",
    "SpaceError",
    "State",
    "Task",
    "TrialRecord",
    "TrialResult",
    "UnknownTask",
    "best_architecture",
    "bundled_space",
    "check_fits",
    "compare",
    "component",
    "evaluate_on_test",
    "get_task",
    "list_tasks",
    "paired_difference",
    "resolve_space",
    "run_architecture",
    "run_search",
    "single_call",
    "task",
    "wilson",
    "worst_case",
    "write_results",
]
