"""``unit_test_generator``: one call that writes unit tests a correct answer must pass."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import Field

from search.components._prompted import Prompted
from search.components._registry import component
from search.components.base import Shape, State
from search.tasks.base import Item

if TYPE_CHECKING:
    from kernels import CompletionRequest
    from search.context import Context

UNIT_TEST_CODE_PROMPT = (
    "Write {tests} Python assert statements that a correct solution of this problem passes. "
    "One assert per line, nothing else.\n\n{question}"
)
UNIT_TEST_TEXT_PROMPT = (
    "Write {tests} short checks, one per line, that a correct answer to this question must "
    "satisfy.\n\nQuestion:\n{question}"
)


def parse_tests(text: str, code: bool, limit: int) -> list[str]:
    """Assert lines for code tasks, else non-empty lines with list markers removed."""
    tests = []
    for line in text.splitlines():
        line = line.strip().lstrip("-*0123456789.) ").strip() if not code else line.strip()
        if code and not line.startswith("assert "):
            continue
        if line:
            tests.append(line)
    return tests[:limit]


@component("unit_test_generator")
class UnitTestGenerator(Prompted):
    """Adds up to ``tests`` unit tests to the state; candidates pass through unchanged.

    ``prompt`` (with ``{tests}`` and ``{question}``) defaults to asserts for code tasks and to
    short checks for answer tasks.
    """

    parallel = True
    needs_candidates = False

    tests: int = Field(5, ge=1, le=50)
    max_tokens: int = Field(192, ge=1, le=8192)

    def request(self, item: Item, ctx: Context) -> CompletionRequest:
        code = ctx.task.kind == "code"
        template = self.prompt or (UNIT_TEST_CODE_PROMPT if code else UNIT_TEST_TEXT_PROMPT)
        text = template.format(tests=self.tests, question=ctx.task.format_question(item))
        return self.ask(ctx, text)

    async def __call__(self, state: State, ctx: Context) -> State:
        texts = await ctx.sample(self.request(state.item, ctx))
        tests = parse_tests(texts[0], ctx.task.kind == "code", self.tests)
        return replace(state, unit_tests=(*state.unit_tests, *tests))

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        out = replace(
            shape,
            unit_tests=shape.unit_tests + self.tests,
            unit_test_tokens=shape.unit_test_tokens + self.max_tokens,
        )
        return [self.request(item, ctx)], out
