"""What the history teaches, written down as notes (kept with the study as a user attribute).

Around the best allocation so far: each stage's sample curve (and where it plateaus), which
temperature and model each stage prefers at about equal cost, and what moving a rung between
stages did.
"""

from __future__ import annotations

import itertools

from agents.allocate.history import Observation, best
from search.staged.allocation import Allocation, StageAllocation


def _differs(a: Allocation, b: Allocation) -> list[str]:
    return [s for s in a.stages if a.stages[s] != b.stages.get(s)]


def _fmt(s: StageAllocation) -> str:
    if not s.samples:
        return "skipped"
    return f"{(s.model or '').split('/')[-1]} x{s.samples} @{s.temperature:g}"


def plateau(curve: list[tuple[int, float]], margin: float) -> int | None:
    """The smallest sample count after which more samples gained less than ``margin``."""
    for (n, acc), (_, nxt) in itertools.pairwise(curve):
        if nxt - acc < margin and all(a - acc < margin for m, a in curve if m > n):
            return n
    return None


def stage_notes(stage: str, b: Observation, obs: list[Observation], margin: float) -> list[str]:
    one = [o for o in obs if _differs(o.allocation, b.allocation) == [stage]] + [b]
    notes = []
    mine = b.allocation.stages[stage]
    curve = sorted(
        {
            o.allocation.stages[stage].samples: o.accuracy
            for o in one
            if o.allocation.stages[stage].model in (mine.model, None)
            and o.allocation.stages[stage].temperature in (mine.temperature, None)
        }.items()
    )
    if len(curve) >= 2:
        points = ", ".join(f"{n}: {acc:.2f}" for n, acc in curve)
        flat = plateau(curve, margin)
        tail = f"; plateau from {flat} samples" if flat is not None else "; still rising"
        notes.append(f"{stage}: samples -> accuracy {points}{tail}")
    for o in one:
        other = o.allocation.stages[stage]
        if o is b or not other.samples or other == mine:
            continue
        if (
            other.temperature != mine.temperature
            and other.model == mine.model
            and other.samples == mine.samples
        ):
            notes.append(
                f"{stage}: temperature {mine.temperature:g} ({b.accuracy:.2f}) over "
                f"{other.temperature:g} ({o.accuracy:.2f}) at {mine.samples} samples"
            )
        elif other.model != mine.model:
            better, worse = (b, o) if b.accuracy >= o.accuracy else (o, b)
            notes.append(
                f"{stage}: {_fmt(better.allocation.stages[stage])} ({better.accuracy:.2f})"
                f" beats {_fmt(worse.allocation.stages[stage])} ({worse.accuracy:.2f}) "
                "at about equal cost"
            )
    return notes


def shift_notes(b: Observation, obs: list[Observation]) -> list[str]:
    notes = []
    for o in obs:
        moved = _differs(o.allocation, b.allocation)
        if len(moved) != 2 or not o.reason.startswith("re-balance"):
            continue
        x, y = moved
        verdict = "better" if o.accuracy > b.accuracy else "not better"
        notes.append(
            f"{o.reason}: {x} {_fmt(o.allocation.stages[x])}, {y} "
            f"{_fmt(o.allocation.stages[y])} scored {o.accuracy:.2f}, {verdict} than "
            f"{b.accuracy:.2f}"
        )
    return notes[-4:]


def learn(obs: list[Observation], stages: list[str], margin: float) -> list[str]:
    """Notes about the history around the best allocation so far."""
    top = best(obs)
    if top is None:
        return []
    notes = [
        f"best so far: {top.allocation.describe()} at {top.accuracy:.2f} "
        f"({top.cost.tokens} tokens per item at most), after {len(obs)} trials"
    ]
    for stage in stages:
        notes += stage_notes(stage, top, obs, margin)
    return notes + shift_notes(top, obs)
