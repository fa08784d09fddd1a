"""Proposers: what picks the next allocations of a study. One interface, one optuna study.

A proposer gives the study's sampler (what ``study.ask`` uses when nothing is queued) and may
``propose`` a batch of parameter sets, which the study enqueues and asks in turn. Random and
TPE only give samplers; the agent proposer (``agents/allocate``, registered as ``agent`` when
that package is imported) proposes batches from the history and its notes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from kernels import Budget, Gateway
from search.staged.errors import AllocationError
from search.staged.space import AllocationSpace

P = TypeVar("P", bound=type["Proposer"])
_PROPOSERS: dict[str, type[Proposer]] = {}
NOTES_ATTR = "rxlab_notes"  # the study user attribute that keeps a proposer's notes


@dataclass(frozen=True)
class Proposal:
    """Optuna parameters to try next, and why (kept as the trial's ``reason``)."""

    params: dict[str, Any]
    reason: str = ""


@dataclass
class ProposalContext:
    """What a proposer may use: the space (with its cost model), a gateway and a budget for
    its own model calls, and the model it may ask (None: it asks none)."""

    space: AllocationSpace
    gateway: Gateway | None = None
    agent_model: str | None = None
    agent_budget: Budget = field(default_factory=Budget)
    seed: int = 0


class Proposer(ABC):
    """Picks allocations. ``sampler`` for ``study.ask``; ``propose`` for batches to enqueue."""

    name: ClassVar[str] = ""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    @abstractmethod
    def sampler(self) -> Any:
        """The optuna sampler of the study (used when no proposal is queued)."""

    async def propose(self, study: Any, ctx: ProposalContext, k: int) -> list[Proposal]:
        """Up to ``k`` parameter sets to try next; none means: let the sampler pick."""
        return []

    async def finish(self, study: Any, ctx: ProposalContext) -> None:
        """Called once the study's trials are done (the agent writes its last notes)."""
        return None

    def notes(self, study: Any) -> list[str]:
        return list(study.user_attrs.get(NOTES_ATTR, []))


def proposer(name: str) -> Callable[[P], P]:
    """Register a Proposer subclass under ``name``."""

    def register(cls: P) -> P:
        cls.name = name
        _PROPOSERS[name] = cls
        return cls

    return register


def list_proposers() -> list[str]:
    return sorted(_PROPOSERS)


def get_proposer(name: str, seed: int = 0, **options: Any) -> Proposer:
    if name not in _PROPOSERS:
        hint = " (the agent proposer registers when agents.allocate is imported)"
        raise AllocationError(
            f"unknown proposer {name!r}; known: {', '.join(list_proposers())}"
            + (hint if name == "agent" else "")
        )
    return _PROPOSERS[name](seed=seed, **options)


@proposer("random")
class RandomProposer(Proposer):
    """Uniform over the space (proposals over the per-item budget are not evaluated)."""

    def sampler(self) -> Any:
        import optuna

        return optuna.samplers.RandomSampler(seed=self.seed)


@proposer("tpe")
class TPEProposer(Proposer):
    """Optuna's TPE; a proposal over budget is told 0 so TPE learns to avoid the region."""

    def sampler(self) -> Any:
        import optuna

        return optuna.samplers.TPESampler(seed=self.seed, n_startup_trials=5, multivariate=True)
