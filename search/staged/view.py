"""A stage seen as a one-prompt ``Task``, so search's components can run an architecture on it.

``StageView`` sends the stage's prompt for an item given the earlier stages' outputs;
``PlanView`` sends the longest prompt the stage can send, for pricing before a run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kernels import CompletionRequest
from search.staged.stages import Stage, extractor
from search.tasks.base import Item, Score, Task

if TYPE_CHECKING:
    from kernels import Gateway
    from search.staged.task import Messages, StagedTask, Trace


class StageView(Task):
    """One stage of a staged task, for one item's trace, as a task with one prompt."""

    def __init__(self, task: StagedTask, stage: Stage, trace: Trace) -> None:
        super().__init__(seed=0)
        self.staged, self.stage, self.trace = task, stage, trace
        self.name = f"{task.label}:{stage.name}"  # type: ignore[misc]
        self.kind = task.base.kind  # type: ignore[misc]
        self._read = extractor(stage)
        run_tests = getattr(task.base, "run_unit_tests", None)
        if run_tests is not None:
            self.run_unit_tests = run_tests

    def load_items(self) -> list[Item]:
        return self.staged.split("dev") + self.staged.split("test")

    def prompt(self, item: Item) -> Messages:
        return self.staged.messages(self.stage, item, self.trace)

    def format_question(self, item: Item) -> str:
        return self.staged.base.format_question(item)

    def extract(self, text: str) -> str | None:
        return self._read(text)

    async def score(self, item: Item, response: str) -> Score:
        raise NotImplementedError(
            f"{self.name} is one stage of a staged task; the staged task's own scorer scores"
        )


class PlanView(StageView):
    """The stage's most expensive prompt (earlier outputs at their longest), for pricing."""

    def __init__(self, task: StagedTask, stage: Stage, gateway: Gateway, model: str) -> None:
        super().__init__(task, stage, {})
        self.gateway, self.model = gateway, model

    def prompt(self, item: Item) -> Messages:
        alternatives = self.staged.plan_messages(self.stage, item)

        def tokens(messages: Any) -> int:
            return self.gateway.count_prompt_tokens(
                CompletionRequest(model=self.model, messages=messages)
            )

        return max(alternatives, key=tokens)
