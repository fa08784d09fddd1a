"""Allocation bundles: ``allocation:`` (per stage a model and a sample count) on a staged task.

Like an architecture, an allocation is data: the trusted executor (``search.staged.
run_allocation``) runs it outside any sandbox, through the gateway, under the bundle's budget
(priced before anything is sent) and with the gate's seed. The task must be a staged task
(``arith-staged``, ``humaneval-staged``, or a stages file inside the bundle); its items and
the trusted scorer are the base task's, so the verifier picks items as for any task.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from agents.gate.experiments import Experiment, experiment
from agents.gate.report import SplitRun
from kernels import BudgetExceeded
from sandbox.monitor import Flag, MalformedBundle
from search import Item, Task
from search.errors import BudgetTooSmall, SearchError
from search.staged import (
    Allocation,
    AllocationError,
    StagedTask,
    get_staged_task,
    list_staged_tasks,
    run_allocation,
)
from search.staged.executor import prepare
from search.staged.task import DECLARED_SUFFIXES

ALLOCATION_EXAMPLE = (
    "allocation: {stages: {plan: {samples: 4}, solve: {samples: 8}, check: {samples: 0}}}"
)


def load_staged_task(name: str, root: Any) -> StagedTask:
    """A registered staged task, or a stages file inside the bundle (never one elsewhere)."""
    if name in list_staged_tasks():
        return get_staged_task(name)
    pure = PurePosixPath(name)
    if pure.suffix in DECLARED_SUFFIXES and not pure.is_absolute() and ".." not in pure.parts:
        path = root / pure
        if path.is_file():
            try:
                return get_staged_task(path)
            except SearchError as exc:
                raise MalformedBundle(f"task {name!r}: {exc}") from None
    raise MalformedBundle(
        f"an allocation runs on a staged task, and {name!r} is none; known staged tasks: "
        f"{', '.join(list_staged_tasks())}, or a stages YAML/JSON file inside the bundle"
    )


def load_allocation(spec: Any, root: Any) -> Allocation:
    """The bundle's allocation: a mapping in ``rxlab.yaml`` or a YAML/JSON file beside it."""
    try:
        if isinstance(spec, str):
            return Allocation.load(root / spec)
        return Allocation.from_spec(spec)
    except AllocationError as exc:
        raise MalformedBundle(f"allocation: {exc}; e.g. `{ALLOCATION_EXAMPLE}`") from None


@experiment("allocation")
class AllocationExperiment(Experiment):
    """``allocation: {stages: {...}}`` (or a file) on a staged task: the trusted executor."""

    staged: StagedTask
    allocation: Allocation

    def check(self) -> None:
        """The task is staged, every stage it names exists, every model is known, every
        stage that runs gets at least one sample; nothing is sent."""
        self.allocation = load_allocation(self.spec.allocation, self.spec.root)
        try:
            prepare(self.staged, self.allocation, self.settings.gateway, self.spec.model)
        except AllocationError as exc:
            raise MalformedBundle(f"allocation for {self.spec.task!r}: {exc}") from None

    def described(self) -> str:
        """One line, with the bundle's ``model:`` filled in for stages that name none."""
        default = self.allocation.model or self.spec.model
        return self.allocation.model_copy(update={"model": default}).describe()

    def load_task(self) -> Task:
        """The staged task's base task: its splits and trusted scorer are the staged task's."""
        self.staged = load_staged_task(self.spec.task, self.spec.root)
        return self.staged.base

    async def run_split(
        self, task: Task, items: list[Item], *, split: str, seed: int
    ) -> tuple[SplitRun, list[Flag]]:
        budget = self.budget(task, len(items))
        evidence: dict[str, Any] = {
            "executor": "search.staged.run_allocation",
            "sandbox": None,
            "allocation": self.described(),
        }
        try:
            result = await run_allocation(
                self.staged,
                self.allocation,
                split,
                gateway=self.settings.gateway,
                budget=budget,
                seed=seed,
                model=self.spec.model,
                items=items,
                tags={"gate": self.spec.root.name, "split": split},
            )
        except (BudgetExceeded, BudgetTooSmall) as exc:
            evidence["error"] = f"the bundle's budget does not cover the run: {exc}"
            correct, errors, wall_s = 0, len(items), 0.0
        else:
            correct = result.correct
            errors, wall_s = sum(1 for o in result.outcomes if o.error), result.wall_s
            evidence.update(result.summary())
            evidence["worst_case"] = result.worst_case
        run = SplitRun.scored(
            split=split,
            n=len(items),
            correct=correct,
            errors=errors,
            seed=seed,
            wall_s=wall_s,
            tokens=budget.spent.tokens,
            evidence=evidence,
        )
        return run, []
