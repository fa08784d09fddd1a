"""``fuser``: one call that reads every candidate and writes ``samples`` new, better answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from search.components._prompted import OverCandidates
from search.components._registry import component
from search.components.base import Candidate, Shape, State, task_messages
from search.tasks.base import Item

if TYPE_CHECKING:
    from kernels import CompletionRequest
    from search.context import Context

FUSER_PROMPT = (
    "{question}\n\nHere are responses from other assistants:\n\n{responses}\n\n"
    "Some may be wrong. Using them, answer the question correctly, in the format asked for."
)


@component("fuser")
class Fuser(OverCandidates):
    """Synthesises new candidates from the current ones (Archon's fuser / MoA aggregator)."""

    parallel = True

    samples: int = Field(1, ge=1, le=64)
    max_tokens: int = Field(64, ge=1, le=8192)
    prompt: str = FUSER_PROMPT

    def messages(self, item: Item, text: str, ctx: Context) -> list[dict[str, str]]:
        return task_messages(ctx.task, item, text)  # keep the task's system prompt and examples

    def count(self) -> int:
        return self.samples

    async def __call__(self, state: State, ctx: Context) -> State:
        request = self.request(state.item, list(state.candidates), ctx)
        texts = await ctx.sample(request)
        origin = f"fuser:{request.model}"
        return state.with_candidates([Candidate(t, ctx.task.extract(t), origin) for t in texts])

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        out = Shape(candidates=self.samples, candidate_tokens=self.max_tokens)
        return self.planned(shape, item, ctx), out
