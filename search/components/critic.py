"""``critic``: one call per candidate that names its strengths and weaknesses."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import Field

from kernels import CompletionRequest
from search.components._registry import component
from search.components.base import Candidate, ComponentBase, Shape, State, filler_candidates
from search.tasks.base import Item

if TYPE_CHECKING:
    from search.context import Context

CRITIC_PROMPT = (
    "Question:\n{question}\n\nProposed response:\n{response}\n\n"
    "In one or two sentences, say whether this response is correct and what is wrong with it."
)


@component("critic")
class Critic(ComponentBase):
    """Attaches a critique to every candidate; keeps them all, in order."""

    model: str | None = None
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(48, ge=1, le=4096)
    prompt: str = CRITIC_PROMPT

    def request(self, item: Item, cand: Candidate, ctx: Context) -> CompletionRequest:
        text = self.prompt.format(question=ctx.task.format_question(item), response=cand.text)
        return CompletionRequest(
            model=ctx.model(self.model),
            messages=text,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )

    async def __call__(self, state: State, ctx: Context) -> State:
        import asyncio

        async def critique(cand: Candidate) -> Candidate:
            texts = await ctx.sample(self.request(state.item, cand, ctx))
            return replace(cand, critique=texts[0].strip())

        return state.with_candidates(await asyncio.gather(*map(critique, state.candidates)))

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        requests = [self.request(item, c, ctx) for c in filler_candidates(shape)]
        return requests, replace(shape, critique_tokens=self.max_tokens)
