"""``mock/arith-student``: a deterministic scripted model the red-team bundles call.

It reads the ``arith-compare`` (or ``arith``) question in the last user message, works out
the right answer, and gets it right or wrong by a hash of the question and the sample: the
same request always gets the same answers, whatever the gate's seed, so a measured claim
reproduces exactly.
Prompting matters the way it does for a small model: a few worked examples before the
question, "step by step" and a review of a proposed answer make it right more often, a long
prompt of many examples makes it worse; sampling at a temperature gives different samples
(so voting helps) and now and then a reply with no number (so retries help). It copies an
answer that the conversation already holds.

    with redteam_models():
        report = await check_bundle("redteam/honest/plain_prompt", gateway=gateway)
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

STUDENT = "arith-student"
MODEL = f"mock/{STUDENT}"
NUM = r"(\d+)"
PATTERNS: dict[str, re.Pattern[str]] = {
    "larger": re.compile(rf"Which number is larger, {NUM} or {NUM}\?"),
    "smaller": re.compile(rf"Which number is smaller, {NUM} or {NUM}\?"),
    "add": re.compile(rf"What is {NUM} \+ {NUM}\?"),
    "subtract": re.compile(rf"What is {NUM} - {NUM}\?"),
    "word": re.compile(rf"\w+ has {NUM} \w+ and \w+ has {NUM} \w+\. How many \w+ does the one"),
    # the kinds of ``arith`` (the ones above are ``arith-compare``'s)
    "next": re.compile(rf"What number comes after {NUM}\?"),
    "sequence": re.compile(rf"What number comes next: {NUM}, {NUM}, \d+, \.\.\.\?"),
    "floor": re.compile(rf"\w+ is on floor {NUM} and goes up one floor"),
    "age": re.compile(rf"\w+ is {NUM} years old\. How old will"),
}
SKILL = {
    "smaller": 0.7,
    "larger": 0.55,
    "add": 0.5,
    "word": 0.45,
    "subtract": 0.35,
    "next": 0.45,
    "sequence": 0.3,
    "floor": 0.5,
    "age": 0.25,
}
ONE_NUMBER = frozenset({"next", "floor", "age"})
FEW_SHOT_BONUS = 0.15  # a few worked examples before the question
MANY_SHOTS = 12  # more worked examples than this confuse a small model
MANY_SHOTS_PENALTY = 0.25
STEP_BONUS = 0.1  # "step by step"
REVIEW_BONUS = 0.2  # checking a proposed answer
MAX_SKILL = 0.95
NO_NUMBER_RATE = 0.08  # sampled replies (temperature > 0) that carry no number
NO_NUMBER = "Hmm, let me think about that."
UNSURE = "I am not sure what is asked."


def uniform(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:12], 16) / 16**12


def find_question(text: str) -> tuple[str, str, int, int] | None:
    """(kind, matched text, a, b) of the last arith question in ``text``."""
    found = [
        (m.start(), kind, m.group(0), int(m.group(1)), 0 if kind in ONE_NUMBER else int(m.group(2)))
        for kind, pattern in PATTERNS.items()
        for m in pattern.finditer(text)
    ]
    if not found:
        return None
    _start, kind, question, a, b = max(found)
    return kind, question, a, b


def right_answer(kind: str, a: int, b: int) -> int:
    return {
        "larger": max(a, b),
        "smaller": min(a, b),
        "add": a + b,
        "subtract": a - b,
        "word": max(a, b),
        "next": a + 1,
        "sequence": b + 4,
        "floor": a + 1,
        "age": a + 1,
    }[kind]


def wrong_answer(kind: str, a: int, b: int, u: float) -> int:
    """A plausible mistake: the other number, an off-by-one sum, a sign slip, a copy."""
    if kind in ONE_NUMBER:
        return a if u < 0.5 else a + 2
    if kind == "sequence":
        return b + 2
    if kind in ("larger", "word"):
        return min(a, b)
    if kind == "smaller":
        return max(a, b)
    if kind == "add":
        return a + b + (1 if u < 0.5 else -1)
    return a + b


def skill(kind: str, messages: list[dict[str, str]]) -> float:
    text = " ".join(m.get("content", "") for m in messages).lower()
    level = SKILL[kind]
    shots = sum(1 for m in messages if m.get("role") == "assistant")
    if shots > MANY_SHOTS:
        level -= MANY_SHOTS_PENALTY
    elif shots:
        level += FEW_SHOT_BONUS
    if "step by step" in text:
        level += STEP_BONUS
    if "proposed answer" in messages[-1].get("content", "").lower():
        level += REVIEW_BONUS
    return min(level, MAX_SKILL)


def recalled(messages: list[dict[str, str]]) -> str | None:
    """The answer the conversation already gives to its last question (a worked example)."""
    question = messages[-1].get("content", "").strip()
    for asked, answered in itertools.pairwise(messages[:-1]):
        if (
            asked.get("role") == "user"
            and answered.get("role") == "assistant"
            and asked.get("content", "").strip() == question
        ):
            return answered.get("content", "")
    return None


def render(value: int | str, messages: list[dict[str, str]]) -> str:
    """The answer in the form the prompt asks for."""
    text = " ".join(
        m.get("content", "") for m in messages if m.get("role") in ("system", "user")
    ).lower()
    if "json" in text:
        return json.dumps({"answer": value})
    if "step by step" in text:
        return f"First I read the question. Then I work it out.\nAnswer: {value}"
    if any(cue in text for cue in ("number", "only", "single")):
        return str(value)
    return f"The answer is {value}."


def make_student() -> Callable[[list[dict[str, str]], dict[str, Any]], str]:
    """A fresh student; it counts repeated sampled requests so each sample differs."""
    seen: dict[str, int] = {}

    def student(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        user = [m for m in messages if m.get("role") == "user"]
        found = find_question(user[-1].get("content", "")) if user else None
        if found is None:
            return UNSURE
        kind, question, a, b = found
        copied = recalled(messages)
        if copied is not None:
            return copied
        temperature = float(params.get("temperature", 0.7))
        if temperature == 0.0:
            draw = "greedy"
        else:
            key = json.dumps([messages, round(temperature, 2)], sort_keys=True)
            index = seen[key] = seen.get(key, -1) + 1
            draw = f"t{temperature:.2f}#{index}"
            if uniform(question, draw, "format") < NO_NUMBER_RATE:
                return NO_NUMBER
        u = uniform(question, draw)
        correct = u < skill(kind, messages)
        value = right_answer(kind, a, b) if correct else wrong_answer(kind, a, b, u)
        return render(value, messages)

    return student


@contextmanager
def redteam_models() -> Iterator[None]:
    """Make ``mock/arith-student`` answer inside this block (a fresh student each time)."""
    from kernels import mock_scripts

    with mock_scripts(**{STUDENT: make_student()}):
        yield
