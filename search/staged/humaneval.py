"""``humaneval-staged``: write code -> write tests -> pick by running the tests in the sandbox.

Model-written code and tests are untrusted: the pick runs each code candidate against the
written tests only inside the task's sandbox (``search.tasks.humaneval``: Docker by default),
and the trusted scorer runs the problem's own tests there too. The host never executes them.
"""

from __future__ import annotations

from typing import Any

from search.staged.stages import Stage
from search.staged.task import Messages, StagedTask, Trace, staged_task
from search.tasks.base import Item
from search.tasks.humaneval import HumanEval

TESTS_PROMPT = (
    "Write 5 Python assert statements that a correct implementation of this function passes. "
    "One assert per line, nothing else.\n\n```python\n{question}```"
)
MAX_TESTS = 20  # written tests a candidate is run against, at most
HUMANEVAL_STAGES = (
    Stage(
        name="code",
        extract="code",
        reduce="all",
        max_tokens=384,
        temperature=0.8,
        description="write the function",
    ),
    Stage(
        name="tests",
        prompt=TESTS_PROMPT,
        extract="tests",
        reduce="all",
        max_tokens=192,
        temperature=0.7,
        description="write assert lines",
    ),
)


def written_tests(trace: Trace) -> list[str]:
    """The distinct assert lines of every tests sample, at most ``MAX_TESTS``."""
    out = trace.get("tests")
    tests: list[str] = []
    for cand in out.candidates if out is not None else ():
        for line in (cand.answer or "").splitlines():
            if line and line not in tests:
                tests.append(line)
    return tests[:MAX_TESTS]


@staged_task("humaneval-staged")
class HumanEvalStaged(StagedTask):
    """HumanEval through code, tests and a pick by tests run in the sandbox."""

    description = "HumanEval: write code -> write tests -> pick by running them in the sandbox"

    def __init__(self, **options: Any) -> None:
        self.humaneval = HumanEval(**options)
        super().__init__(self.humaneval, HUMANEVAL_STAGES)

    def messages(
        self, stage: Stage, item: Item, trace: Trace, candidate: str | None = None
    ) -> Messages:
        if stage.name == "code":
            return self.humaneval.prompt(item)
        return super().messages(stage, item, trace, candidate)

    async def respond(self, item: Item, trace: Trace) -> str:
        """The code candidate that passes most written tests (run in the sandbox)."""
        code = trace.get("code")
        candidates = list(code.candidates) if code is not None else []
        if not candidates:
            return ""
        tests = written_tests(trace)
        if len(candidates) == 1 or not tests:
            return candidates[0].text
        best, best_passed = candidates[0], -1
        for cand in candidates:
            passed = sum(await self.humaneval.run_unit_tests(item, cand.text, tests))
            if passed > best_passed:
                best, best_passed = cand, passed
        return best.text
