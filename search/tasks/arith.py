"""``arith``: procedurally generated arithmetic and word problems for small models.

The kinds are chosen so the embedded SmolLM2-135M scores between 20% and 80% with one
sample (measured; see ``rxlab tasks``): comparisons of two-digit numbers, single-digit sums
and differences, and one-step word problems. Dev and test items come from disjoint seeded
streams, so the same seed always gives the same splits and no question is in both.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from search.tasks._registry import task
from search.tasks.base import Item, Score, Task
from search.tasks.scoring import extract_number, numeric_equal

ARITH_SYSTEM_PROMPT = "Answer with a single number and nothing else."
# Three worked examples of the question's own kind go before it (measured: with examples of
# mixed kinds the model answers "What is 6 + 8?" with numbers copied from other examples).
ARITH_EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "larger": (
        ("Which number is larger, 23 or 58?", "58"),
        ("Which number is larger, 91 or 47?", "91"),
        ("Which number is larger, 36 or 63?", "63"),
    ),
    "smaller": (
        ("Which number is smaller, 64 or 41?", "41"),
        ("Which number is smaller, 18 or 72?", "18"),
        ("Which number is smaller, 55 or 29?", "29"),
    ),
    "add": (("What is 2 + 5?", "7"), ("What is 6 + 8?", "14"), ("What is 9 + 3?", "12")),
    "subtract": (("What is 9 - 4?", "5"), ("What is 15 - 7?", "8"), ("What is 12 - 3?", "9")),
    "word": (
        ("Ben has 12 pens and Eva has 30 pens. How many pens does the one with more pens have?",
         "30"),
        ("Ivy has 75 coins and Leo has 48 coins. How many coins does the one with more coins "
         "have?", "75"),
        ("Sam has 22 books and Mia has 61 books. How many books does the one with more books "
         "have?", "61"),
    ),
}  # fmt: skip
NAMES = ("Tom", "Ana", "Sam", "Mia", "Leo", "Ivy")
THINGS = ("apples", "books", "coins", "stickers", "pens")

Problem = tuple[str, int]


def _larger(rng: random.Random) -> Problem:
    a, b = rng.sample(range(10, 100), 2)
    return f"Which number is larger, {a} or {b}?", max(a, b)


def _smaller(rng: random.Random) -> Problem:
    a, b = rng.sample(range(10, 100), 2)
    return f"Which number is smaller, {a} or {b}?", min(a, b)


def _add(rng: random.Random) -> Problem:
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    return f"What is {a} + {b}?", a + b


def _subtract(rng: random.Random) -> Problem:
    a = rng.randint(5, 18)
    b = rng.randint(1, min(a, 9))
    return f"What is {a} - {b}?", a - b


def _word_compare(rng: random.Random) -> Problem:
    first, second = rng.sample(NAMES, 2)
    thing = rng.choice(THINGS)
    a, b = rng.sample(range(10, 100), 2)
    question = (
        f"{first} has {a} {thing} and {second} has {b} {thing}. "
        f"How many {thing} does the one with more {thing} have?"
    )
    return question, max(a, b)


KINDS: dict[str, Callable[[random.Random], Problem]] = {
    "larger": _larger,
    "smaller": _smaller,
    "add": _add,
    "subtract": _subtract,
    "word": _word_compare,
}
# Measured one-sample accuracy of SmolLM2-135M at temperature 0.7 (30 items, 8 samples each):
# smaller 0.71, larger 0.27, word 0.27, add 0.21, subtract 0.17 (left out: under 20%).
DEFAULT_KINDS = ("smaller", "larger", "word", "add")


def generate_items(
    count: int, seed: int, kinds: tuple[str, ...] = DEFAULT_KINDS, prefix: str = "arith"
) -> list[Item]:
    """``count`` distinct problems cycling through ``kinds``, from a stream seeded by ``seed``."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown arith kinds {unknown}; known: {', '.join(KINDS)}")
    rng = random.Random(seed)
    items: list[Item] = []
    seen: set[str] = set()
    while len(items) < count:
        kind = kinds[len(items) % len(kinds)]
        question, answer = KINDS[kind](rng)
        if question in seen:
            continue
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
    """Arithmetic comparisons, small sums and one-step word problems; numeric scorer."""

    description = "procedurally generated arithmetic and word problems (numeric answers)"
    system_prompt = ARITH_SYSTEM_PROMPT

    def __init__(
        self,
        *,
        seed: int = 0,
        dev_size: int | None = 30,
        test_size: int | None = 150,
        kinds: tuple[str, ...] = DEFAULT_KINDS,
        examples: dict[str, tuple[tuple[str, str], ...]] | None = None,
    ) -> None:
        super().__init__(seed=seed, dev_size=dev_size, test_size=test_size)
        self.kinds = tuple(kinds)
        self.examples = ARITH_EXAMPLES if examples is None else examples

    def load_items(self) -> list[Item]:
        dev_n = self.dev_size if self.dev_size is not None else 30
        test_n = self.test_size if self.test_size is not None else 150
        return generate_items(dev_n + test_n, self.seed, self.kinds)

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
