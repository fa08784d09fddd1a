"""The kinds of ``arith`` problem: a generator per kind and three worked examples of each.

Measured with the embedded SmolLM2-135M (three examples of the question's own kind before it,
answers cut at 4 tokens). The ``arith`` kinds on its 180 dev+test items, 8 samples per item:

| kind | one sample at 0.7 | 8 cover | vote of 8 at 0.7 | vote of 8 at 0.4 | greedy |
| --- | --- | --- | --- | --- | --- |
| next | 0.40 | 0.80 | 0.56 | 0.58 | 0.62 |
| sequence | 0.22 | 0.58 | 0.24 | 0.29 | 0.27 |
| floor | 0.63 | 0.91 | 0.71 | 0.78 | 0.80 |
| age | 0.23 | 0.78 | 0.36 | 0.42 | 0.40 |
| all | 0.37 | 0.77 | 0.47 | 0.52 | 0.52 |

Their wrong answers spread over nearby numbers, so the right one is often the most common.
The comparison kinds (12-20 items each, at 0.7): larger 0.49 one sample, 0.40 by vote (it
names the first number of the question: a position bias, the same on every sample); smaller
0.54 / 0.60 (the same bias); word 0.31 / 0.42 (it names the last number); add 0.09 / 0.17 and
subtract 0.09 / 0.08 (it copies a number of the question or of an example). Asking the model
whether an answer is right tells nothing here: it says yes to 9-14% of right and of wrong
answers alike.

``arith`` uses the first four: their errors differ from sample to sample, so more samples and
a vote (or greedy decoding) genuinely help. The comparison kinds make the same mistake on
every sample, which no vote can fix; ``arith-compare`` keeps them as a harder benchmark.
"""

from __future__ import annotations

import random
from collections.abc import Callable

NAMES = ("Tom", "Ana", "Sam", "Mia", "Leo", "Ivy")
THINGS = ("apples", "books", "coins", "stickers", "pens")

Problem = tuple[str, int]
Examples = tuple[tuple[str, str], ...]


def _next(rng: random.Random) -> Problem:
    a = rng.randint(10, 98)
    return f"What number comes after {a}?", a + 1


def _sequence(rng: random.Random) -> Problem:
    a = rng.randint(10, 80)
    return f"What number comes next: {a}, {a + 2}, {a + 4}, ...?", a + 6


def _floor(rng: random.Random) -> Problem:
    name, a = rng.choice(NAMES), rng.randint(10, 89)
    return f"{name} is on floor {a} and goes up one floor. Which floor is {name} on now?", a + 1


def _age(rng: random.Random) -> Problem:
    name, a = rng.choice(NAMES), rng.randint(10, 89)
    return f"{name} is {a} years old. How old will {name} be next year?", a + 1


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
    "next": _next,
    "sequence": _sequence,
    "floor": _floor,
    "age": _age,
    "larger": _larger,
    "smaller": _smaller,
    "add": _add,
    "subtract": _subtract,
    "word": _word_compare,
}
DEFAULT_KINDS = ("next", "sequence", "floor", "age")
COMPARE_KINDS = ("smaller", "larger", "word", "add")  # what ``arith`` asked before

# Three worked examples of the question's own kind go before it (measured: with examples of
# mixed kinds the model copies numbers from other examples; with one-digit examples it answers
# two-digit questions with one-digit numbers).
EXAMPLES: dict[str, Examples] = {
    "next": (
        ("What number comes after 5?", "6"),
        ("What number comes after 19?", "20"),
        ("What number comes after 42?", "43"),
    ),
    "sequence": (
        ("What number comes next: 5, 7, 9, ...?", "11"),
        ("What number comes next: 19, 21, 23, ...?", "25"),
        ("What number comes next: 42, 44, 46, ...?", "48"),
    ),
    "floor": (
        ("Ben is on floor 5 and goes up one floor. Which floor is Ben on now?", "6"),
        ("Eva is on floor 19 and goes up one floor. Which floor is Eva on now?", "20"),
        ("Max is on floor 42 and goes up one floor. Which floor is Max on now?", "43"),
    ),
    "age": (
        ("Ben is 5 years old. How old will Ben be next year?", "6"),
        ("Eva is 19 years old. How old will Eva be next year?", "20"),
        ("Max is 42 years old. How old will Max be next year?", "43"),
    ),
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
