"""``fuser``: one call that reads every candidate and writes ``samples`` new, better answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from kernels import CompletionRequest
from search.components._registry import component
from search.components.base import (
    Candidate,
    ComponentBase,
    Shape,
    State,
    filler_candidates,
    numbered,
    task_messages,
)
from search.tasks.base import Item

if TYPE_CHECKING:
    from search.context import Context

FUSER_PROMPT = (
    "{question}\n\nHere are responses from other assistants:\n\n{responses}\n\n"
    "Some may be wrong. Using them, answer the question correctly, in the format asked for."
)


@component("fuser")
class Fuser(ComponentBase):
    """Synthesises new candidates from the current ones (Archon's fuser / MoA aggregator)."""

    parallel = True

    model: str | None = None
    samples: int = Field(1, ge=1, le=64)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(64, ge=1, le=8192)
    prompt: str = FUSER_PROMPT

    def request(self, item: Item, cands: list[Candidate], ctx: Context) -> CompletionRequest:
        text = self.prompt.format(
            question=ctx.task.format_question(item), responses=numbered(cands)
        )
        return CompletionRequest(
            model=ctx.model(self.model),
            messages=task_messages(ctx.task, item, text),
            n=self.samples,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )

    async def __call__(self, state: State, ctx: Context) -> State:
        request = self.request(state.item, list(state.candidates), ctx)
        texts = await ctx.sample(request)
        origin = f"fuser:{request.model}"
        return state.with_candidates([Candidate(t, ctx.task.extract(t), origin) for t in texts])

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        requests = [self.request(item, filler_candidates(shape), ctx)]
        return requests, Shape(candidates=self.samples, candidate_tokens=self.max_tokens)
