"""AgentTTS's three insights as rules: what to try next, from the history.

1. Stages prefer different models, and at equal budget a smaller model with more samples is
   often better: each stage probes every option (model, and with it temperature) at the
   sample count the current choice's cost buys, so options are compared at equal budget.
   Preferences show only with enough samples, so the study starts from an *anchor* with every
   stage at the middle of the sample ladder, not at one sample.
2. Gains from more samples rise, then plateau: with its option chosen, a stage climbs the
   ladder while accuracy rises (one more rung on a flat step) and steps down while accuracy
   holds, which finds the plateau and its cheapest point.
3. Early spend changes what later stages need: every step goes through the stages in order
   (plan before solve before check): first every stage's options are probed, then every stage
   is scaled; a second pass re-checks each stage around the new best and moves a rung from one
   stage to another.

The focus (which stage, which pass) is kept with the study, so a resumed study goes on.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agents.allocate.history import Observation, best
from search.staged.allocation import Allocation, StageAllocation
from search.staged.space import AllocationSpace

FOCUS_ATTR = "rxlab_agent_focus"
PASSES = 2
EXPLORE_DRAWS = 2000  # random draws to find untried feasible allocations when exploring
Candidate = tuple[Allocation, str]  # an allocation and why it is proposed


def with_stage(alloc: Allocation, stage: str, **changes: Any) -> Allocation:
    stages = dict(alloc.stages)
    current = {**stages[stage].model_dump(), **changes}
    stages[stage] = StageAllocation(**current) if current["samples"] else StageAllocation(samples=0)
    return Allocation(name="proposal", model=alloc.model, stages=stages)


Step = tuple[str, str]  # (what: probe, scale or all; which stage)


def steps(stages: list[str], passes: int) -> list[Step]:
    """Pass 1: probe every stage's options (insight 1), then scale every stage (insight 2),
    early stages first (insight 3). Later passes: all moves and re-balancing, stage by stage."""
    if passes == 1:
        return [("probe", s) for s in stages] + [("scale", s) for s in stages]
    return [("all", s) for s in stages]


@dataclass
class Focus:
    """Where the rules are: the step of the current pass (kept with the study)."""

    step: int = 0
    passes: int = 1

    def current(self, stages: list[str]) -> Step:
        return steps(stages, self.passes)[self.step]

    def advance(self, stages: list[str]) -> None:
        self.step += 1
        if self.step >= len(steps(stages, self.passes)):
            self.step, self.passes = 0, self.passes + 1


class Rules:
    """Proposes allocations from the history by the three insights."""

    def __init__(self, space: AllocationSpace, seed: int = 0) -> None:
        self.space = space
        self.rng = random.Random(seed)
        self.margin = 0.5 / max(len(space.items), 1)  # one item of n is a real difference
        self.mid = space.samples[len(space.samples) // 2]

    def _rung(self, stage: str, samples: int, step: int) -> int | None:
        ladder = [n for n in self.space.ladder(stage) if n]
        i = ladder.index(samples) + step if samples in ladder else -1
        return ladder[i] if 0 <= i < len(ladder) else None

    def options(self) -> list[tuple[str, float]]:
        return list(itertools.product(self.space.models, self.space.temperatures))

    def anchor(self) -> Allocation:
        """Every stage at the middle rung (optional ones skipped), middle temperature, the
        cheapest model; rungs come down, latest stage first, until it fits the budget."""
        temp = self.space.temperatures[len(self.space.temperatures) // 2]
        base = self.space.baseline()
        cheapest = min(
            self.space.models,
            key=lambda m: (
                self.space.cost(
                    Allocation(stages={s: StageAllocation(model=m, samples=1) for s in base.stages})
                ).tokens
            ),
        )
        alloc = base
        for stage in self.space.stages:
            if base.stages[stage].samples:
                alloc = with_stage(alloc, stage, model=cheapest, temperature=temp, samples=self.mid)
        for stage in reversed(self.space.stages):
            while not self.space.feasible(alloc) and alloc.stages[stage].samples > 1:
                down = self._rung(stage, alloc.stages[stage].samples, -1) or 1
                alloc = with_stage(alloc, stage, samples=down)
        return alloc if self.space.feasible(alloc) else base

    # --- the moves around the best so far --------------------------------------------------
    def probe(self, b: Allocation, stage: str) -> Iterator[Candidate]:
        """Insight 1: every other option for ``stage`` at the samples the current cost buys
        (an optional stage also: skipped, and switched on at the middle rung)."""
        cur = b.stages[stage]
        if not cur.samples:
            for model, temp in self.options():
                yield (
                    with_stage(b, stage, model=model, temperature=temp, samples=self.mid),
                    f"{stage}: switch on, {model.split('/')[-1]} @{temp:g}",
                )
            return
        budget = self.space.cost(b).tokens
        for model, temp in self.options():
            if (model, temp) == (cur.model, cur.temperature):
                continue
            tries = [
                with_stage(b, stage, model=model, temperature=temp, samples=n)
                for n in self.space.samples
            ]
            same = [a for a in tries if self.space.cost(a).tokens <= budget] or tries[:1]
            n = same[-1].stages[stage].samples
            yield same[-1], f"{stage}: {model.split('/')[-1]} @{temp:g} at equal cost ({n})"
        if self.space.task.stage(stage).optional:
            yield with_stage(b, stage, samples=0), f"{stage}: skipped"

    def scale(self, b: Allocation, stage: str, seen: dict[str, float]) -> Iterator[Candidate]:
        """Insight 2: up while it rises (one more rung on a flat step); down while it holds."""
        cur = b.stages[stage]
        if not cur.samples:
            return
        here = seen.get(b.key())
        up = self._rung(stage, cur.samples, 1)
        if up is not None:
            nxt = with_stage(b, stage, samples=up)
            yield nxt, f"{stage}: more samples ({cur.samples} -> {up})"
            there, up2 = seen.get(nxt.key()), self._rung(stage, up, 1)
            if (
                here is not None
                and there is not None
                and abs(there - here) < self.margin
                and up2 is not None
            ):
                yield with_stage(b, stage, samples=up2), f"{stage}: flat step, one rung more"
        down = self._rung(stage, cur.samples, -1)
        if down is not None:
            yield with_stage(b, stage, samples=down), f"{stage}: fewer samples ({down})"

    def shifts(self, b: Allocation, stage: str) -> Iterator[Candidate]:
        """Insight 3: a rung from ``stage`` to another stage, or from another to it."""
        for other in self.space.stages:
            if other == stage:
                continue
            for give, take in ((stage, other), (other, stage)):
                down = self._rung(give, b.stages[give].samples, -1)
                up = self._rung(take, b.stages[take].samples, 1)
                if down is not None and up is not None:
                    moved = with_stage(with_stage(b, give, samples=down), take, samples=up)
                    yield moved, f"re-balance: a rung from {give} to {take}"

    def ties(self, top: Observation, stage: str, obs: list[Observation]) -> list[Allocation]:
        """Allocations that differ from the best only in ``stage`` and score within one item
        of it: on a flat step, either may be the way up, so both are explored."""
        return [
            o.allocation
            for o in obs
            if o.key != top.key
            and top.accuracy - o.accuracy < self.margin
            and [s for s in self.space.stages if o.allocation.stages[s] != top.allocation.stages[s]]
            == [stage]
        ]

    def moves(self, top: Observation, step: Step, obs: list[Observation]) -> Iterator[Candidate]:
        what, stage = step
        seen = {o.key: o.accuracy for o in obs}
        if what in ("probe", "all"):
            yield from self.probe(top.allocation, stage)
        if what in ("scale", "all"):
            yield from self.scale(top.allocation, stage, seen)
            for tied in self.ties(top, stage, obs):
                yield from self.scale(tied, stage, seen)
        if what == "all":
            yield from self.shifts(top.allocation, stage)

    # --- the plan --------------------------------------------------------------------------
    def usable(self, alloc: Allocation, taken: set[str]) -> bool:
        key = alloc.key()
        return key not in taken and self.space.contains(alloc) and self.space.feasible(alloc)

    def propose(
        self, obs: list[Observation], taken: set[str], focus: Focus, k: int
    ) -> list[Candidate]:
        """Up to ``k`` new allocations: the focused step's moves around the best so far; when
        it has none left, the next step (after the last, the next pass); then exploring."""
        taken = set(taken)
        top = best(obs)
        if top is None:
            anchor = self.anchor()
            why = "the anchor: every stage at the middle of the sample ladder"
            return [(anchor, why)] if self.usable(anchor, taken) else self.explore(taken, k)
        names = self.space.stages
        while focus.passes <= PASSES:
            out: list[Candidate] = []
            for alloc, why in self.moves(top, focus.current(names), obs):
                if len(out) < k and self.usable(alloc, taken):
                    taken.add(alloc.key())
                    out.append((alloc, why))
            if out:
                return out
            focus.advance(names)
        return self.explore(taken, k)

    def explore(self, taken: set[str], k: int) -> list[Candidate]:
        """Every rule's move is tried: feasible allocations not tried yet, at random (seeded)."""
        out: list[Candidate] = []
        for _ in range(EXPLORE_DRAWS):
            if len(out) >= k:
                break
            alloc = self.space.sample(self.rng)
            if self.usable(alloc, taken):
                taken.add(alloc.key())
                out.append((alloc, "exploring: every rule's move is tried"))
        return out
