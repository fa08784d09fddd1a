"""Scripted models for search tests: an arith 'solver' whose accuracy depends on temperature."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from kernels import Gateway, mock_scripts
from kernels.providers.mock import last_user


def solve(question: str) -> int | None:
    """The right answer to an arith or arith-compare question (what a perfect model says)."""
    nums = [int(n) for n in re.findall(r"\d+", question)]
    q = question.lower()
    if "comes next" in q:
        return nums[-1] + nums[-1] - nums[-2]
    if "comes after" in q or "next year" in q or "up one floor" in q:
        return nums[0] + 1
    if "smaller" in q:
        return min(nums)
    if "larger" in q or "more" in q:
        return max(nums)
    if "+" in q:
        return nums[0] + nums[1]
    if "-" in q:
        return nums[0] - nums[1]
    return None


class NoisySolver:
    """Greedy: always right. Sampled: right 2 times in 3, else off by one (so votes help)."""

    def __init__(self) -> None:
        self.turn = 0
        self.questions: list[str] = []

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        question = last_user(messages)
        self.questions.append(question)
        answer = solve(question)
        if answer is None:
            return "no idea"
        if params.get("temperature", 0.7) == 0:
            return str(answer)
        self.turn += 1
        return str(answer if self.turn % 3 else answer + 1)


@pytest.fixture
def solver() -> Iterator[NoisySolver]:
    script = NoisySolver()
    with mock_scripts(solver=script):
        yield script


@pytest.fixture
def gateway(rxlab_home: Any) -> Gateway:
    return Gateway(rxlab_home, cache=False)
