"""Shared shapes of model-calling components: one request per candidate, or one over them all.

``Prompted`` holds the fields every model-calling component has (model, temperature,
max_tokens, prompt) and builds its request. ``PerCandidate`` asks about each candidate on its
own (critic, verifier); ``OverCandidates`` shows the model every candidate at once (ranker,
fuser). Subclasses keep their own prompt constants and say what to do with the replies.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pydantic import Field

from kernels import CompletionRequest
from search.components.base import (
    Candidate,
    ComponentBase,
    Shape,
    State,
    filler_candidates,
    numbered,
)
from search.tasks.base import Item

if TYPE_CHECKING:
    from search.context import Context


class Prompted(ComponentBase):
    """A component that sends ``prompt`` (a template) to a model."""

    model: str | None = None
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(48, ge=1, le=8192)
    prompt: str = ""

    def count(self) -> int:
        """Samples per request (1 unless a subclass has a ``samples`` field)."""
        return 1

    def ask(self, ctx: Context, messages: str | list[dict[str, str]]) -> CompletionRequest:
        return CompletionRequest(
            model=ctx.model(self.model),
            messages=messages,  # type: ignore[arg-type]  # a str becomes one user message
            n=self.count(),
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )


class PerCandidate(Prompted):
    """One call per candidate; ``prompt`` has ``{question}`` and ``{response}``."""

    def request(self, item: Item, cand: Candidate, ctx: Context) -> CompletionRequest:
        text = self.prompt.format(question=ctx.task.format_question(item), response=cand.text)
        return self.ask(ctx, text)

    async def replies(self, state: State, ctx: Context) -> list[list[str]]:
        """The model's replies about each candidate, in the candidates' order."""

        async def one(cand: Candidate) -> list[str]:
            return await ctx.sample(self.request(state.item, cand, ctx))

        return list(await asyncio.gather(*map(one, state.candidates)))

    def planned(self, shape: Shape, item: Item, ctx: Context) -> list[CompletionRequest]:
        return [self.request(item, c, ctx) for c in filler_candidates(shape)]


class OverCandidates(Prompted):
    """One call that shows every candidate; ``prompt`` has ``{question}`` and ``{responses}``."""

    def messages(self, item: Item, text: str, ctx: Context) -> str | list[dict[str, str]]:
        return text

    def request(self, item: Item, cands: list[Candidate], ctx: Context) -> CompletionRequest:
        text = self.prompt.format(
            question=ctx.task.format_question(item), responses=numbered(cands)
        )
        return self.ask(ctx, self.messages(item, text, ctx))

    def planned(self, shape: Shape, item: Item, ctx: Context) -> list[CompletionRequest]:
        return [self.request(item, filler_candidates(shape), ctx)]
