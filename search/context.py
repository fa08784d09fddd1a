"""The per-item run context: the gateway, the budget, sample replay and a meter of what was used."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from kernels import Budget, CompletionRequest, Cost, Gateway
from search.tasks.base import Task

if TYPE_CHECKING:
    from search.replay import SampleBank, Served


@dataclass
class Meter:
    """What one item's run used: ``spent`` really, ``nominal`` as if nothing were replayed."""

    spent: Cost = field(default_factory=Cost)
    nominal: Cost = field(default_factory=Cost)
    latency_s: float = 0.0

    def add(self, served: Served) -> None:
        self.spent = self.spent + served.spent
        self.nominal = self.nominal + served.nominal
        self.latency_s += served.latency_s


def derive_seed(seed: int, request: CompletionRequest) -> int:
    """A seed for ``request`` that depends on the run's seed and what is asked (not on n)."""
    blob = f"{seed}|{request.model}|{request.messages}|{request.temperature}|{request.max_tokens}"
    return int(hashlib.sha256(blob.encode()).hexdigest()[:8], 16)


@dataclass
class Context:
    """Everything a component may use while it works on one item."""

    task: Task
    gateway: Gateway
    default_model: str
    budget: Budget | None = None
    replay: SampleBank | None = None
    replay_draw: int = 1  # generators draw this many samples at once when replay is on
    seed: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    meter: Meter = field(default_factory=Meter)

    def model(self, name: str | None) -> str:
        return name or self.default_model

    def for_item(self) -> Context:
        """A copy with a fresh meter, for one item."""
        return Context(
            task=self.task,
            gateway=self.gateway,
            default_model=self.default_model,
            budget=self.budget,
            replay=self.replay,
            replay_draw=self.replay_draw,
            seed=self.seed,
            tags=dict(self.tags),
        )

    async def sample(self, request: CompletionRequest, *, draw: int | None = None) -> list[str]:
        """``request.n`` texts, from the replay bank when there is one, else from the gateway.

        ``draw`` asks the bank to draw that many samples at once on a miss (generators pass
        the largest count in the search space), so later requests for fewer reuse them.
        """
        from search.replay import Served

        if self.seed is not None and request.seed is None:
            request = request.model_copy(update={"seed": derive_seed(self.seed, request)})
        if self.replay is not None:
            served = await self.replay.serve(
                self.gateway, request, draw=draw or request.n, budget=self.budget, tags=self.tags
            )
        elif request.temperature == 0 and request.n > 1:
            # Greedy samples are all the same: draw one and repeat it (and spare the engine a
            # greedy n > 1 request, which some backends refuse).
            one = request.model_copy(update={"n": 1})
            response = await self.gateway.complete(one, budget=self.budget, tags=self.tags)
            served = Served.from_response(response)
            served = replace(served, texts=served.texts * request.n)
        else:
            response = await self.gateway.complete(request, budget=self.budget, tags=self.tags)
            served = Served.from_response(response)
        self.meter.add(served)
        return served.texts
