"""``arith``: procedurally generated arithmetic and word problems for small models.

The kinds (see ``arith_kinds``) are chosen so the embedded SmolLM2-135M scores between 20%
and 80% with one sample and its mistakes differ from sample to sample: what comes after a
number, the next number of a sequence, and one-step word problems. Dev and test items come
from one seeded stream, so the same seed always gives the same splits and no question is in
both. ``arith-compare`` keeps the comparison problems ``arith`` asked before.
"""

from __future__ import annotations

import random

from search.tasks._registry import task
from search.tasks.arith_kinds import COMPARE_KINDS, DEFAULT_KINDS, EXAMPLES, KINDS, Examples
from search.tasks.base import Item, Score, Task
from search.tasks.scoring import extract_number, numeric_equal

ARITH_SYSTEM_PROMPT = "Answer with a single number and nothing else."
ARITH_EXAMPLES = EXAMPLES  # the worked examples, by kind
MAX_REPEATS = 10_000  # draws in a row that only repeat earlier questions: the kind is used up


def generate_items(
    count: int,
    seed: int,
    kinds: tuple[str, ...] = DEFAULT_KINDS,
    prefix: str = "arith",
    exclude: frozenset[str] = frozenset(),
) -> list[Item]:
    """``count`` distinct problems cycling through ``kinds``, from a stream seeded by ``seed``.

    Questions in ``exclude`` (the worked examples) are never items.
    """
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown arith kinds {unknown}; known: {', '.join(KINDS)}")
    rng = random.Random(seed)
    items: list[Item] = []
    seen: set[str] = set(exclude)
    misses = 0
    while len(items) < count:
        kind = kinds[len(items) % len(kinds)]
        question, answer = KINDS[kind](rng)
        if question in seen:
            misses += 1
            if misses > MAX_REPEATS:
                raise ValueError(
                    f"arith kind {kind!r} has run out of new questions after {len(items)} items; "
                    "ask for fewer items or add kinds"
                )
            continue
        misses = 0
        seen.add(question)
        items.append(
            Item(
                id=f"{prefix}-{len(items):04d}",
                question=question,
                answer=str(answer),
                meta={"kind": kind},
            )
        )
    return items


@task("arith")
class Arith(Task):
    """Successors, sequences and one-step word problems; numeric scorer."""

    description = "procedurally generated arithmetic and word problems (numeric answers)"
    system_prompt = ARITH_SYSTEM_PROMPT
    default_kinds: tuple[str, ...] = DEFAULT_KINDS
    exclude_examples = True  # a worked example is never an item

    def __init__(
        self,
        *,
        seed: int = 0,
        dev_size: int | None = 30,
        test_size: int | None = 150,
        kinds: tuple[str, ...] | None = None,
        examples: dict[str, Examples] | None = None,
    ) -> None:
        super().__init__(seed=seed, dev_size=dev_size, test_size=test_size)
        self.kinds = tuple(kinds or self.default_kinds)
        self.examples = ARITH_EXAMPLES if examples is None else examples

    def load_items(self) -> list[Item]:
        dev_n = self.dev_size if self.dev_size is not None else 30
        test_n = self.test_size if self.test_size is not None else 150
        exclude = frozenset(
            q for kind in self.kinds for q, _ in self.examples.get(kind, ())
        ) if self.exclude_examples else frozenset()  # fmt: skip
        return generate_items(dev_n + test_n, self.seed, self.kinds, exclude=exclude)

    def prompt(self, item: Item) -> list[dict[str, str]]:
        messages = [{"role": "system", "content": ARITH_SYSTEM_PROMPT}]
        for question, answer in self.examples.get(str(item.meta.get("kind")), ()):
            messages += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]
        return [*messages, {"role": "user", "content": item.question}]

    def extract(self, text: str) -> str | None:
        return extract_number(text)

    async def score(self, item: Item, response: str) -> Score:
        answer = self.extract(response)
        ok = numeric_equal(answer, item.answer)
        return Score(value=1.0 if ok else 0.0, answer=answer, detail=f"expected {item.answer}")


@task("arith-compare")
class ArithCompare(Arith):
    """Which of two numbers is larger or smaller, small sums, comparison word problems.

    The items ``arith`` had before; kept item for item, so earlier measurements stand. The
    embedded model answers these with a position bias (the same wrong number on every
    sample), so voting does not help here.
    """

    description = "number comparisons and small sums (the embedded model is position-biased)"
    default_kinds = COMPARE_KINDS
    exclude_examples = False
