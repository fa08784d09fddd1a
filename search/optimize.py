"""Search with optuna over a ``SearchSpace`` on the dev split, under one budget for everything.

Before each trial the worst case of running it (given the replay bank) is priced with the
gateway; a trial that could break the budget is not started. Every call also reserves its
worst case against the same ``Budget``, so the budget is never exceeded. The study lives in an
optuna storage URL, so a search resumes where it stopped. Only the dev split is ever used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from kernels import Budget, BudgetExceeded, Cost, Gateway
from search.architecture import Architecture
from search.errors import SpaceError
from search.executor import run_architecture, worst_case
from search.fit import check_fits, describe_left, fits, space_models
from search.outcomes import ItemOutcome
from search.records import SearchResult, TrialRecord, record_from_trial
from search.replay import SampleBank
from search.space import SearchSpace
from search.tasks.base import Task

__all__ = ["SAMPLERS", "Sampler", "SearchResult", "TrialRecord", "check_fits", "run_search"]

Sampler = Literal["tpe", "random", "nsga2"]
SAMPLERS: tuple[Sampler, ...] = ("tpe", "random", "nsga2")
MAX_SKIPPED_IN_A_ROW = 25


def make_sampler(name: str, seed: int) -> Any:
    import optuna

    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5, multivariate=True)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=8)
    raise SpaceError(f"unknown sampler {name!r}; use one of {', '.join(SAMPLERS)}")


def default_storage(home: Path) -> str:
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(home / 'optuna.db').resolve()}"


Progress = Callable[[TrialRecord, Budget], None]
ItemProgress = Callable[[ItemOutcome], None]


@dataclass
class _Runner:
    """Runs the trials of one study on the dev split under one budget."""

    task: Task
    space: SearchSpace
    gateway: Gateway
    budget: Budget
    model: str
    bank: SampleBank | None
    study: Any
    concurrency: int
    multi: bool
    item_progress: ItemProgress | None = None

    async def trial(self) -> str:
        """Ask, price, run and tell one trial; return ``'ok'``, ``'skipped'`` or ``'broke'``."""
        import optuna

        dev, draw = self.task.split("dev"), self.space.max_samples()
        trial = self.study.ask()
        arch = self.space.suggest(trial)
        trial.set_user_attr("spec", arch.to_spec())
        cost = worst_case(
            arch, self.task, dev, gateway=self.gateway, model=self.model, replay=self.bank,
            replay_draw=draw,
        )  # fmt: skip
        if not fits(self.budget, cost):
            left = describe_left(self.budget)
            trial.set_user_attr("note", f"skipped: worst case {cost.tokens} tokens > {left} left")
            self.study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            return "skipped"
        started = time.perf_counter()
        try:
            result = await run_architecture(
                arch, self.task, dev, gateway=self.gateway, model=self.model, budget=self.budget,
                replay=self.bank, replay_draw=draw, concurrency=self.concurrency, split="dev",
                tags={"search": self.study.study_name, "trial": str(trial.number)},
                progress=self.item_progress,
            )  # fmt: skip
        except BudgetExceeded as exc:
            trial.set_user_attr("note", f"stopped: {exc}")
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            return "broke"
        finally:
            _save_spending(self.study, self.budget)
        summary = result.summary()
        for key, value in summary.items():
            trial.set_user_attr(key, value)
        trial.set_user_attr("wall_s", time.perf_counter() - started)
        cost_value = float(summary["tokens_per_item"])
        self.study.tell(trial, [result.accuracy, cost_value] if self.multi else [result.accuracy])
        return "ok"


async def run_search(
    task: Task,
    space: SearchSpace,
    *,
    gateway: Gateway,
    budget: Budget,
    model: str,
    sampler: Sampler = "tpe",
    trials: int = 20,
    storage: str | None = None,
    study_name: str | None = None,
    seed: int = 0,
    replay: bool = True,
    bank_path: Path | None = None,
    concurrency: int = 8,
    progress: Progress | None = None,
    item_progress: ItemProgress | None = None,
    first: Sequence[dict[str, Any]] = (),
) -> SearchResult:
    """Search ``space`` on ``task``'s dev split; never spends past ``budget``.

    ``storage`` is an optuna storage URL (default: SQLite under the gateway's home); running
    again with the same ``study_name`` resumes and runs only the trials still missing, and
    the budget counts what the earlier runs spent. ``first``: optuna params a new study tries
    before its sampler's own (partial ones are completed by the sampler). Errors (unknown
    model, a space that cannot fit) are raised before any model call.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    model = space.model or model
    for name in space_models(space, model):
        gateway.check_model(name)
    bank = SampleBank(bank_path) if replay else None
    storage = storage or default_storage(gateway.home or Path(".rxlab"))
    study = optuna.create_study(
        storage=storage,
        study_name=study_name or f"{task.name}-{space.name}-{sampler}-s{seed}",
        load_if_exists=True,
        sampler=make_sampler(sampler, seed),
        directions=["maximize", "minimize"] if sampler == "nsga2" else ["maximize"],
    )
    if not study.trials:  # a new study tries these params first (a resumed one has them)
        for params in first:
            study.enqueue_trial(params)
    _charge_earlier_spending(study, budget)
    check_fits(space, task, gateway, model, budget, bank)
    runner = _Runner(
        task, space, gateway, budget, model, bank, study, concurrency, sampler == "nsga2",
        item_progress,
    )  # fmt: skip
    started, skipped, stopped = time.perf_counter(), 0, ""
    done = sum(1 for t in study.trials if t.state.is_finished())
    for _ in range(max(0, trials - done)):
        outcome = await runner.trial()
        if outcome == "broke":
            stopped = "the budget ran out during a trial"
            break
        skipped = skipped + 1 if outcome == "skipped" else 0
        if skipped >= MAX_SKIPPED_IN_A_ROW:
            stopped = "no proposed trial fits in what is left of the budget"
            break
        if progress is not None and outcome == "ok":
            progress(record_from_trial(study.trials[-1]), budget)
    return SearchResult(
        study_name=study.study_name,
        storage=storage,
        sampler=sampler,
        trials=[record_from_trial(t) for t in study.trials],
        budget=budget,
        replay=bank.stats if bank else None,
        wall_s=time.perf_counter() - started,
        stopped=stopped,
    )


SPENT_ATTR = "rxlab_spent"


def _charge_earlier_spending(study: Any, budget: Budget) -> None:
    """A resumed search's budget covers what its earlier runs spent, too."""
    earlier = study.user_attrs.get(SPENT_ATTR)
    if earlier:
        budget.spent = budget.spent + Cost(int(earlier[0]), int(earlier[1]), float(earlier[2]))


def _save_spending(study: Any, budget: Budget) -> None:
    spent = budget.spent
    study.set_user_attr(SPENT_ATTR, [spent.tokens, spent.calls, spent.dollars])


def best_architecture(result: SearchResult) -> Architecture:
    best = result.best()
    if best is None:
        raise SpaceError(f"search {result.study_name!r} has no completed trial yet")
    return Architecture.from_spec(best.architecture)
