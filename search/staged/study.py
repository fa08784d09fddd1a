"""An allocation study: a proposer's allocations evaluated on the dev split, in one optuna study.

Each round the proposer may queue a batch (``study.enqueue_trial``); ``study.ask`` then gives
the queued parameters, or the sampler's. An allocation over the per-item budget is not run:
it is told 0 with ``infeasible`` set (TPE learns from it) and does not count as a trial.
Generator samples come from a ``SampleBank``: drawn once at the largest count, then reused,
so re-running a stage's prompt with fewer samples costs nothing. Resumable from the storage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernels import Budget, BudgetExceeded, Gateway
from search.optimize import default_storage
from search.replay import ReplayStats, SampleBank
from search.staged.executor import StagedOutcome, run_allocation
from search.staged.proposers import NOTES_ATTR, ProposalContext, Proposer
from search.staged.space import AllocationSpace

MAX_REJECTED_IN_A_ROW = 200


@dataclass
class AllocationTrial:
    """One evaluated (or rejected) allocation, as the results folder shows it."""

    number: int
    state: str
    allocation: dict[str, Any]
    label: str
    proposer: str
    feasible: bool = True
    accuracy: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    correct: int = 0
    n: int = 0
    tokens_per_item: float | None = None  # as deployed (no replay), measured
    worst_tokens_per_item: int | None = None  # the cost model's bound
    dollars: float = 0.0
    calls: int = 0
    spent_tokens: int = 0
    wall_s: float = 0.0
    note: str = ""
    reason: str = ""


@dataclass
class StudyResult:
    study_name: str
    storage: str
    proposer: str
    trials: list[AllocationTrial]
    wall_s: float
    stopped: str = ""
    notes: list[str] = field(default_factory=list)
    replay: ReplayStats | None = None

    def evaluated(self) -> list[AllocationTrial]:
        return [t for t in self.trials if t.state == "COMPLETE" and t.feasible]

    def best(self) -> AllocationTrial | None:
        done = self.evaluated()
        return max(
            done, key=lambda t: (t.accuracy or 0.0, -(t.tokens_per_item or 0.0)), default=None
        )

    def curve(self) -> list[float]:
        """Best dev accuracy so far, after each evaluated trial."""
        out, best = [], 0.0
        for t in self.evaluated():
            best = max(best, t.accuracy or 0.0)
            out.append(best)
        return out


def record(t: Any) -> AllocationTrial:
    a = t.user_attrs
    return AllocationTrial(
        number=t.number,
        state=t.state.name,
        allocation=a.get("spec", {}),
        label=a.get("label", ""),
        proposer=a.get("proposer", ""),
        feasible=not a.get("infeasible", False),
        accuracy=a.get("accuracy"),
        ci_low=a.get("ci_low"),
        ci_high=a.get("ci_high"),
        correct=int(a.get("correct", 0)),
        n=int(a.get("n", 0)),
        tokens_per_item=a.get("tokens_per_item"),
        worst_tokens_per_item=a.get("worst_tokens_per_item"),
        dollars=float(a.get("dollars", 0)),
        calls=int(a.get("calls", 0)),
        spent_tokens=int(a.get("spent_tokens", 0)),
        wall_s=float(a.get("wall_s", 0.0)),
        note=str(a.get("note", "")),
        reason=str(a.get("reason", "")),
    )


Progress = Callable[[AllocationTrial], None]


@dataclass
class _Runner:
    space: AllocationSpace
    proposer: Proposer
    study: Any
    gateway: Gateway
    bank: SampleBank | None
    budget: Budget | None
    seed: int
    item_progress: Callable[[StagedOutcome], None] | None = None

    async def one(self) -> str:
        """Ask, price, run and tell one trial: ``ok``, ``rejected`` or ``broke``."""
        trial = self.study.ask(self.space.distributions())
        alloc = self.space.allocation(trial.params, name=f"trial-{trial.number}")
        worst = self.space.cost(alloc)
        for key, value in (
            ("spec", alloc.to_spec()),
            ("label", alloc.describe()),
            ("proposer", self.proposer.name),
            ("worst_tokens_per_item", worst.tokens),
        ):
            trial.set_user_attr(key, value)
        if not self.space.feasible(alloc):
            trial.set_user_attr("infeasible", True)
            trial.set_user_attr(
                "note",
                f"over the per-item budget: worst case {worst.tokens} "
                f"tokens, ${worst.dollars:.5f} per item",
            )
            self.study.tell(trial, 0.0)
            return "rejected"
        started = time.perf_counter()
        try:
            result = await run_allocation(
                self.space.task,
                alloc,
                "dev",
                gateway=self.gateway,
                budget=self.budget,
                seed=self.seed,
                items=self.space.items,
                replay=self.bank,
                replay_draw=self.space.max_samples(),
                precheck=False,
                tags={"study": self.study.study_name, "trial": str(trial.number)},
                progress=self.item_progress,
            )
        except BudgetExceeded as exc:
            import optuna

            trial.set_user_attr("note", f"stopped: {exc}")
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            return "broke"
        for name, number in result.summary().items():
            trial.set_user_attr(name, number)
        trial.set_user_attr("wall_s", time.perf_counter() - started)
        self.study.tell(trial, result.accuracy)
        return "ok"


def evaluated_count(study: Any) -> int:
    return sum(
        1
        for t in study.trials
        if t.state.name == "COMPLETE" and not t.user_attrs.get("infeasible", False)
    )


async def run_study(
    space: AllocationSpace,
    proposer: Proposer,
    *,
    gateway: Gateway,
    trials: int = 20,
    storage: str | None = None,
    study_name: str | None = None,
    seed: int = 0,
    bank: SampleBank | None = None,
    budget: Budget | None = None,
    batch: int = 1,
    ctx: ProposalContext | None = None,
    progress: Progress | None = None,
    item_progress: Callable[[StagedOutcome], None] | None = None,
) -> StudyResult:
    """Evaluate ``trials`` allocations proposed by ``proposer`` on ``space``'s dev items.

    ``budget`` caps what the whole study sends (the gateway refuses past it; the study stops).
    ``seed`` fixes the sampling seeds of evaluations (the proposer has its own seed). Running
    again with the same storage and ``study_name`` resumes.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = storage or default_storage(gateway.home or Path(".rxlab"))
    name = study_name or f"{space.task.label}-{proposer.name}-s{proposer.seed}"
    study = optuna.create_study(
        storage=storage,
        study_name=name,
        load_if_exists=True,
        sampler=proposer.sampler(),
        direction="maximize",
    )
    space.check_fits()  # not even the cheapest allocation fits: say so before any call
    study.set_user_attr("space", space.describe())
    ctx = ctx or ProposalContext(space=space, gateway=gateway, seed=proposer.seed)
    runner = _Runner(space, proposer, study, gateway, bank, budget, seed, item_progress)
    started, rejected, stopped = time.perf_counter(), 0, ""
    while not stopped and evaluated_count(study) < trials:
        want = min(batch, trials - evaluated_count(study))
        queued = await proposer.propose(study, ctx, want)
        for proposal in queued:
            study.enqueue_trial(proposal.params, user_attrs={"reason": proposal.reason})
        for _ in range(max(len(queued), 1)):
            outcome = await runner.one()
            rejected = rejected + 1 if outcome == "rejected" else 0
            if outcome == "broke":
                stopped = "the study's budget ran out during a trial"
            elif rejected >= MAX_REJECTED_IN_A_ROW:
                stopped = "no proposal fits in the per-item budget"
            elif outcome == "ok" and progress is not None:
                progress(record(study.trials[-1]))
            if stopped:
                break
    await proposer.finish(study, ctx)
    return StudyResult(
        study_name=name,
        storage=storage,
        proposer=proposer.name,
        trials=[record(t) for t in study.trials],
        wall_s=time.perf_counter() - started,
        stopped=stopped,
        notes=list(study.user_attrs.get(NOTES_ATTR, [])),
        replay=bank.stats if bank else None,
    )
