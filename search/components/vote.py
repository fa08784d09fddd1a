"""``vote``: self-consistency. Keeps one candidate whose answer most candidates agree on."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from search.components._registry import component
from search.components.base import Candidate, ComponentBase, Shape, State
from search.tasks.base import Item

if TYPE_CHECKING:
    from kernels import CompletionRequest
    from search.context import Context


def majority(candidates: tuple[Candidate, ...]) -> Candidate | None:
    """The first candidate with the most common answer (ties: the answer seen first)."""
    answers = [c.answer for c in candidates if c.answer is not None]
    if not answers:
        return candidates[0] if candidates else None
    counts = Counter(answers)
    best = max(counts.values())
    winner = next(a for a in answers if counts[a] == best)
    chosen = next(c for c in candidates if c.answer == winner)
    return Candidate(
        chosen.text, chosen.answer, chosen.origin, chosen.critique, best / len(candidates)
    )


@component("vote")
class Vote(ComponentBase):
    """Majority vote over the extracted answers; no model call."""

    async def __call__(self, state: State, ctx: Context) -> State:
        chosen = majority(state.candidates)
        return state.with_candidates([chosen] if chosen else [])

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        return [], Shape(
            candidates=min(shape.candidates, 1), candidate_tokens=shape.candidate_tokens
        )
