"""``arith-staged``: plan -> solve -> check on the ``arith`` items.

plan   names the operation (larger, smaller, add, subtract); votes over its samples.
solve  answers with a number, shown worked examples of the *planned* operation (not the true
       one), so a better plan makes solving easier: early spend changes what later stages need.
check  (optional) asks, for the top two answers, whether each is right; re-ranks by yes share.
"""

from __future__ import annotations

from typing import Any

from search.staged.stages import Stage
from search.staged.task import Messages, StagedTask, Trace, staged_task
from search.tasks.arith import ARITH_EXAMPLES, ARITH_SYSTEM_PROMPT, Arith
from search.tasks.base import Item

PLAN_SYSTEM_PROMPT = (
    "Say which operation answers the question. Reply with one word: larger, smaller, add or "
    "subtract."
)
PLAN_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("Which number is larger, 23 or 58?", "larger"),
    ("What is 9 - 4?", "subtract"),
    ("Which number is smaller, 64 or 41?", "smaller"),
    ("What is 2 + 5?", "add"),
    (
        "Ben has 12 pens and Eva has 30 pens. How many pens does the one with more pens have?",
        "larger",
    ),
)
PLAN_LABELS = ("larger", "smaller", "add", "subtract")
# The item kinds whose operation a plan can name (a word problem asks for the larger number).
STAGED_KINDS = ("smaller", "larger", "word", "add")
CHECK_PROMPT = (
    "Question: {question}\nProposed answer: {candidate}\n"
    "Is the proposed answer correct? Reply with yes or no."
)
CHECK_EXAMPLES: tuple[tuple[str, str], ...] = (
    (CHECK_PROMPT.format(question="What is 6 + 8?", candidate="14"), "yes"),
    (CHECK_PROMPT.format(question="Which number is smaller, 18 or 72?", candidate="72"), "no"),
)
ARITH_STAGES = (
    Stage(
        name="plan",
        extract="label",
        labels=PLAN_LABELS,
        max_tokens=3,
        temperature=0.7,
        description="name the operation",
    ),
    Stage(
        name="solve",
        extract="number",
        max_tokens=6,
        temperature=0.7,
        description="answer, shown examples of the planned operation",
    ),
    Stage(
        name="check",
        kind="judge",
        target="solve",
        prompt=CHECK_PROMPT,
        extract="yes_no",
        max_tokens=2,
        keep=2,
        optional=True,
        temperature=0.7,
        description="judge the top two answers",
    ),
)


def _pairs(examples: tuple[tuple[str, str], ...]) -> Messages:
    out: Messages = []
    for question, answer in examples:
        out += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return out


class CompareItems(Arith):
    """``arith``'s generator with the comparison kinds, every generated problem kept (worked
    examples included), so the items stay the same whatever ``arith``'s own defaults are."""

    exclude_examples = False


@staged_task("arith-staged")
class ArithStaged(StagedTask):
    """``arith`` items through plan, solve and check; arith's numeric scorer."""

    description = "arith through plan -> solve -> check (check optional)"

    def __init__(self, **options: Any) -> None:
        options.setdefault("kinds", STAGED_KINDS)
        super().__init__(CompareItems(**options), ARITH_STAGES)

    def messages(
        self, stage: Stage, item: Item, trace: Trace, candidate: str | None = None
    ) -> Messages:
        if stage.name == "plan":
            system = {"role": "system", "content": PLAN_SYSTEM_PROMPT}
            return [system, *_pairs(PLAN_EXAMPLES), {"role": "user", "content": item.question}]
        if stage.name == "solve":
            plan = trace.get("plan")
            label = plan.answer if plan is not None else ""
            return self._solve(item, label)
        system = {"role": "system", "content": "Reply with yes or no."}
        user = CHECK_PROMPT.format(question=item.question, candidate=candidate or "")
        return [system, *_pairs(CHECK_EXAMPLES), {"role": "user", "content": user}]

    def _solve(self, item: Item, label: str) -> Messages:
        examples = ARITH_EXAMPLES.get(label, ())
        system = {"role": "system", "content": ARITH_SYSTEM_PROMPT}
        return [system, *_pairs(examples), {"role": "user", "content": item.question}]

    def plan_messages(self, stage: Stage, item: Item) -> list[Messages]:
        if stage.name == "solve":  # the examples depend on the plan: every plan may come
            return [self._solve(item, label) for label in ("", *PLAN_LABELS)]
        return super().plan_messages(stage, item)
