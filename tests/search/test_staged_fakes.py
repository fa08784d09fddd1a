"""Scripted models for staged-task tests: a landscape where plan, solve and check behave like
small models with known skills (shared by tests/search and tests/agents; no tests here)."""

from __future__ import annotations

import random
import re
from typing import Any

from kernels.providers.mock import last_user

LABELS = ("larger", "smaller", "add", "subtract")


def truth(question: str) -> tuple[int, str]:
    """The right answer and operation of an arith question."""
    nums = [int(n) for n in re.findall(r"\d+", question)]
    q = question.lower()
    if "smaller" in q:
        return min(nums), "smaller"
    if "larger" in q or "more" in q:
        return max(nums), "larger"
    if "+" in q:
        return nums[0] + nums[1], "add"
    return nums[0] - nums[1], "subtract"


def shown_label(messages: list[dict[str, str]]) -> str | None:
    """Which operation the worked examples before the question show (None: no examples)."""
    shown = " ".join(m["content"] for m in messages[1:-1])
    for label, cue in (
        ("larger", "larger"),
        ("smaller", "smaller"),
        ("add", "+"),
        ("subtract", " - "),
    ):
        if cue in shown:
            return label
    return None


class Land:
    """plan is right with p = plan_p - 0.15 * T; solve with the right examples 0.75 (else 0.15)
    minus 0.1 * |T - 0.7|; check says yes to a right answer w.p. 0.8, to a wrong one 0.35."""

    def __init__(self, seed: int = 0, plan_p: float = 0.6, solve_p: float = 0.75) -> None:
        self.rng = random.Random(seed)
        self.plan_p, self.solve_p = plan_p, solve_p
        self.calls: list[dict[str, Any]] = []

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        t = float(params.get("temperature", 0.7))
        q, system = last_user(messages), messages[0]["content"]
        self.calls.append({"system": system, "n": params.get("n", 1), "t": t})
        if "operation" in system:
            label = truth(q)[1]
            ok = self.rng.random() < self.plan_p - 0.15 * t
            return label if ok else self.rng.choice(LABELS)
        if "yes or no" in system.lower():
            m = re.search(r"Question: (.*)\nProposed answer: (-?\d+)", q)
            right = bool(m) and truth(m.group(1))[0] == int(m.group(2))  # type: ignore[union-attr]
            return "yes" if self.rng.random() < (0.8 if right else 0.35) else "no"
        answer, label = truth(q)
        p = (self.solve_p if shown_label(messages) == label else 0.15) - 0.1 * abs(t - 0.7)
        return str(answer if self.rng.random() < p else answer + self.rng.choice([-2, -1, 1, 2]))


def oracle(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    """Always right: the plan names the operation, solve answers, check says yes."""
    q, system = last_user(messages), messages[0]["content"]
    if "operation" in system:
        return truth(q)[1]
    if "yes or no" in system.lower():
        return "yes"
    return str(truth(q)[0])
