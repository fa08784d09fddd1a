"""``verifier``: one call per candidate asking whether it is correct; keeps those said to be."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import Field

from kernels import CompletionRequest
from search.components._registry import component
from search.components.base import Candidate, ComponentBase, Shape, State, filler_candidates
from search.tasks.base import Item

if TYPE_CHECKING:
    from search.context import Context

VERIFIER_PROMPT = (
    "Question:\n{question}\n\nProposed answer:\n{response}\n\n"
    "Is the proposed answer correct? Reply with yes or no."
)


def says_yes(text: str) -> bool:
    words = text.strip().lower().lstrip("*\"' ").split()
    return bool(words) and words[0].strip(".,!:") in ("yes", "correct", "true")


@component("verifier")
class Verifier(ComponentBase):
    """Filters to the candidates the model verifies; keeps all when it verifies none."""

    model: str | None = None
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(8, ge=1, le=4096)
    prompt: str = VERIFIER_PROMPT

    def request(self, item: Item, cand: Candidate, ctx: Context) -> CompletionRequest:
        text = self.prompt.format(question=ctx.task.format_question(item), response=cand.text)
        return CompletionRequest(
            model=ctx.model(self.model),
            messages=text,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )

    async def __call__(self, state: State, ctx: Context) -> State:
        async def verify(cand: Candidate) -> bool:
            return says_yes((await ctx.sample(self.request(state.item, cand, ctx)))[0])

        verdicts = await asyncio.gather(*map(verify, state.candidates))
        kept = [
            replace(c, score=1.0) for c, ok in zip(state.candidates, verdicts, strict=True) if ok
        ]
        return state.with_candidates(kept) if kept else state

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        return [self.request(item, c, ctx) for c in filler_candidates(shape)], shape
