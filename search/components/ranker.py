"""``ranker``: one call that orders the candidates; keeps the ``top_k`` best."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import Field

from search.components._prompted import OverCandidates
from search.components._registry import component
from search.components.base import Shape, State
from search.tasks.base import Item

if TYPE_CHECKING:
    from kernels import CompletionRequest
    from search.context import Context

RANKER_PROMPT = (
    "Question:\n{question}\n\nResponses:\n{responses}\n\n"
    "Rank the responses from best to worst. Answer only with their numbers, e.g. [2] > [1] > [3]."
)


def parse_ranking(text: str, count: int) -> list[int]:
    """0-based indices in the order the text names them; unnamed ones follow in order."""
    order: list[int] = []
    for raw in re.findall(r"\d+", text):
        index = int(raw) - 1
        if 0 <= index < count and index not in order:
            order.append(index)
    return order + [i for i in range(count) if i not in order]


@component("ranker")
class Ranker(OverCandidates):
    """Orders candidates by the model's ranking and keeps the first ``top_k``."""

    top_k: int = Field(1, ge=1, le=64)
    max_tokens: int = Field(24, ge=1, le=4096)
    prompt: str = RANKER_PROMPT

    async def __call__(self, state: State, ctx: Context) -> State:
        cands = list(state.candidates)
        if len(cands) <= 1:
            return state
        texts = await ctx.sample(self.request(state.item, cands, ctx))
        order = parse_ranking(texts[0], len(cands))
        return state.with_candidates([cands[i] for i in order[: self.top_k]])

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        if shape.candidates <= 1:
            return [], shape
        out = replace(shape, candidates=min(shape.candidates, self.top_k))
        return self.planned(shape, item, ctx), out
