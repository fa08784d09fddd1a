"""``unit_test_evaluator``: scores candidates by the unit tests they pass; keeps the best.

For code tasks the tests run against each candidate's program in the task's sandbox (never on
the host); for answer tasks a model judges each test, one call per candidate.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import Field

from search.components._prompted import Prompted
from search.components._registry import component
from search.components.base import (
    Candidate,
    Shape,
    State,
    filler,
    filler_candidates,
)
from search.components.verifier import says_yes
from search.tasks.base import Item

if TYPE_CHECKING:
    from kernels import CompletionRequest
    from search.context import Context

UNIT_TEST_EVALUATOR_PROMPT = (
    "Question:\n{question}\n\nResponse:\n{response}\n\nChecks:\n{tests}\n\n"
    "For each check, in order, write one line: yes if the response satisfies it, else no."
)


@component("unit_test_evaluator")
class UnitTestEvaluator(Prompted):
    """Sorts candidates by the share of unit tests passed and keeps the first ``top_k``."""

    top_k: int | None = Field(1, ge=1, le=64)
    max_tokens: int = Field(48, ge=1, le=4096)
    prompt: str = UNIT_TEST_EVALUATOR_PROMPT

    def request(
        self, item: Item, cand: Candidate, tests: list[str], ctx: Context
    ) -> CompletionRequest:
        text = self.prompt.format(
            question=ctx.task.format_question(item), response=cand.text, tests="\n".join(tests)
        )
        return self.ask(ctx, text)

    async def _passed(self, state: State, cand: Candidate, ctx: Context) -> float:
        tests = list(state.unit_tests)
        run_tests = getattr(ctx.task, "run_unit_tests", None)
        if ctx.task.kind == "code" and run_tests is not None:
            results = await run_tests(state.item, cand.text, tests)
        else:
            reply = (await ctx.sample(self.request(state.item, cand, tests, ctx)))[0]
            results = [says_yes(line) for line in reply.splitlines() if line.strip()]
        return sum(results[: len(tests)]) / len(tests)

    async def __call__(self, state: State, ctx: Context) -> State:
        if not state.unit_tests or not state.candidates:
            return state
        scores = await asyncio.gather(*(self._passed(state, c, ctx) for c in state.candidates))
        scored = [replace(c, score=s) for c, s in zip(state.candidates, scores, strict=True)]
        ranked = sorted(scored, key=lambda c: -(c.score or 0.0))
        return state.with_candidates(ranked[: self.top_k] if self.top_k else ranked)

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        out = replace(shape, candidates=min(shape.candidates, self.top_k or shape.candidates))
        if ctx.task.kind == "code" or not shape.unit_tests:
            return [], out
        tests = [filler(shape.unit_test_tokens)]  # all tests together are one model output
        requests = [self.request(item, c, tests, ctx) for c in filler_candidates(shape)]
        return requests, out
