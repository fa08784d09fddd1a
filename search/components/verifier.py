"""``verifier``: asks whether each candidate is correct; keeps those the model says yes to.

With ``samples`` > 1 (and a temperature above 0) each candidate is judged several times and
its score is the share of yes; candidates at or above ``threshold`` are kept. When none is
kept, all are (a verifier that rejects everything says nothing about which is right).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import Field

from search.components._prompted import PerCandidate
from search.components._registry import component
from search.components.base import Shape, State
from search.tasks.base import Item

if TYPE_CHECKING:
    from kernels import CompletionRequest
    from search.context import Context

VERIFIER_PROMPT = (
    "Question:\n{question}\n\nProposed answer:\n{response}\n\n"
    "Is the proposed answer correct? Reply with yes or no."
)


def says_yes(text: str) -> bool:
    words = text.strip().lower().lstrip("*\"' ").split()
    return bool(words) and words[0].strip(".,!:") in ("yes", "correct", "true")


@component("verifier")
class Verifier(PerCandidate):
    """Scores candidates by the share of yes verdicts and keeps those at ``threshold`` or more."""

    samples: int = Field(1, ge=1, le=64, description="verdicts per candidate")
    threshold: float = Field(0.5, gt=0.0, le=1.0)
    max_tokens: int = Field(8, ge=1, le=4096)
    prompt: str = VERIFIER_PROMPT

    def count(self) -> int:
        return self.samples

    async def __call__(self, state: State, ctx: Context) -> State:
        replies = await self.replies(state, ctx)
        scored = [
            replace(c, score=sum(map(says_yes, r)) / len(r))
            for c, r in zip(state.candidates, replies, strict=True)
        ]
        kept = [c for c in scored if (c.score or 0.0) >= self.threshold]
        return state.with_candidates(kept or scored)

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        return self.planned(shape, item, ctx), shape
