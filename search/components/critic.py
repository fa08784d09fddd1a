"""``critic``: one call per candidate that names its strengths and weaknesses."""

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

CRITIC_PROMPT = (
    "Question:\n{question}\n\nProposed response:\n{response}\n\n"
    "In one or two sentences, say whether this response is correct and what is wrong with it."
)


@component("critic")
class Critic(PerCandidate):
    """Attaches a critique to every candidate; keeps them all, in order."""

    max_tokens: int = Field(48, ge=1, le=4096)
    prompt: str = CRITIC_PROMPT

    async def __call__(self, state: State, ctx: Context) -> State:
        replies = await self.replies(state, ctx)
        critiqued = [
            replace(c, critique=r[0].strip())
            for c, r in zip(state.candidates, replies, strict=True)
        ]
        return state.with_candidates(critiqued)

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        return self.planned(shape, item, ctx), replace(shape, critique_tokens=self.max_tokens)
