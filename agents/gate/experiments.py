"""How the gate runs each kind of experiment: one small class per kind, in a registry.

A bundle's kind (``entry:`` code, ``architecture:``, ``allocation:``) picks the class. Each
checks the bundle before anything runs (``MalformedBundle`` with what to fix), runs one split
on given items with a seed, and returns the scored run with the flags that run raised. The
verifier does the rest (claims, the test split, result anomalies, the decision) the same way
for every kind. A new kind is one more ``@experiment("name")`` class.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from agents.gate.report import SplitRun
from kernels import Budget, Gateway
from sandbox import Limits
from sandbox.monitor import BundleSpec, Flag, MalformedBundle, inspect_bundle
from search import Item, Task, get_task
from search.errors import UnknownTask

E = TypeVar("E", bound=type["Experiment"])
_KINDS: dict[str, type[Experiment]] = {}
NOT_BUILT: dict[str, str] = {}  # kind -> what to give instead, for kinds with no class yet


@dataclass(frozen=True)
class RunSettings:
    """What every run of one gate check shares."""

    gateway: Gateway
    backend: str
    limits: Limits


class Experiment(ABC):
    """One bundle, ready to run on any split."""

    kind: ClassVar[str] = ""
    task: Task  # set by ``make_experiment`` (``load_task``) before ``check``

    def __init__(self, spec: BundleSpec, settings: RunSettings) -> None:
        self.spec = spec
        self.settings = settings

    @abstractmethod
    def check(self) -> None:
        """Raise ``MalformedBundle`` for anything that would stop a run (nothing is sent)."""

    @abstractmethod
    async def run_split(
        self, task: Task, items: list[Item], *, split: str, seed: int
    ) -> tuple[SplitRun, list[Flag]]:
        """Run on ``items`` and score them with the trusted scorer; the run's flags."""

    def load_task(self) -> Task:
        """The task whose splits the verifier runs and whose scorer it trusts (before
        ``check``: an unknown task is the first thing a bundle hears about)."""
        try:
            return get_task(self.spec.task)
        except UnknownTask as exc:
            raise MalformedBundle(str(exc)) from None

    def static_flags(self) -> list[Flag]:
        """What the monitor sees in the bundle's files before anything runs."""
        return inspect_bundle(self.spec.root, self.spec)

    def budget(self, task: Task, n: int) -> Budget:
        """A fresh budget for a run on ``n`` items. The bundle's budget covers a run on the
        dev split (what the lab ran); a larger split gets it in proportion, so an honest
        bundle never runs out on the test split just because the split is larger."""
        b = self.spec.budget
        scale = max(1.0, n / max(len(task.split("dev")), 1))
        return Budget(
            max_tokens=math.ceil(b.tokens * scale) if b and b.tokens else None,
            max_calls=math.ceil(b.calls * scale) if b and b.calls else None,
            max_dollars=b.dollars * scale if b and b.dollars else None,
        )

    def check_model(self, model: str | None, what: str) -> None:
        if model is None:
            raise MalformedBundle(f"give `model:` ({what}), e.g. local/smollm2-135m")
        try:
            self.settings.gateway.check_model(model)
        except Exception as exc:
            raise MalformedBundle(str(exc)) from None


def experiment(kind: str) -> Callable[[E], E]:
    """Register an ``Experiment`` class for bundles of ``kind``."""

    def register(cls: E) -> E:
        cls.kind = kind
        _KINDS[kind] = cls
        return cls

    return register


def make_experiment(spec: BundleSpec, settings: RunSettings) -> Experiment:
    """The checked experiment for ``spec``; ``MalformedBundle`` when it cannot run."""
    from agents.gate import allocation, declarative, runner  # noqa: F401  (register kinds)

    cls = _KINDS.get(spec.kind)
    if cls is None:
        raise MalformedBundle(NOT_BUILT.get(spec.kind, f"{spec.kind} bundles: not built yet"))
    built = cls(spec, settings)
    built.task = built.load_task()
    built.check()
    return built
