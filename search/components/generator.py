"""``generator``: samples answers to the question from one model (one call for all samples)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from kernels import CompletionRequest
from search.components._registry import component
from search.components.base import Candidate, ComponentBase, Shape, State
from search.tasks.base import Item

if TYPE_CHECKING:
    from search.context import Context


@component("generator")
class Generator(ComponentBase):
    """``samples`` answers at ``temperature``, drawn in one call (``n`` samples)."""

    parallel = True
    needs_candidates = False

    model: str | None = Field(None, description="litellm model string; None: the task model")
    samples: int = Field(1, ge=1, le=128)
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(64, ge=1, le=8192)

    def request(self, item: Item, ctx: Context) -> CompletionRequest:
        return CompletionRequest(
            model=ctx.model(self.model),
            messages=ctx.task.prompt(item),
            n=self.samples,
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_tokens,
        )

    async def __call__(self, state: State, ctx: Context) -> State:
        request = self.request(state.item, ctx)
        texts = await ctx.sample(request, draw=max(ctx.replay_draw, self.samples))
        origin = f"generator:{request.model}@{self.temperature:g}"
        new = [Candidate(t, ctx.task.extract(t), origin) for t in texts]
        return state.with_candidates(new)

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        out = Shape(candidates=self.samples, candidate_tokens=self.max_tokens)
        return [self.request(item, ctx)], out
