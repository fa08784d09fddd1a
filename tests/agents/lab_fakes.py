"""A scripted task model for lab tests: it knows the arith answers and gives the right one
with probability ``p`` per sample (wrong ones spread over nearby numbers), so sampling more
and voting really helps, as it does with real models. Deterministic given the requests."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from search import get_task


def noisy_arith(p: float = 0.6) -> Any:
    """A task model right with probability ``p`` per sample (greedy: a fixed answer per
    question). The k-th sample a request draws for a question is the same in every run: a
    run with a fresh seed (the gate's) draws the same samples as the lab's run did, so honest
    claims reproduce exactly, while the samples within one run still differ (votes help)."""
    task = get_task("arith")
    answers = {item.question: item.answer for item in task.split("dev") + task.split("test")}
    drawn: dict[tuple[str, Any, Any], int] = defaultdict(int)

    def answer(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        question = [m["content"] for m in messages if m.get("role") == "user"][-1]
        right = answers.get(question, "0")
        temperature = params.get("temperature", 1.0)
        if not temperature:  # greedy: a fixed answer per question
            rng = random.Random(question)
        else:
            key = (question, params.get("seed"), temperature)
            drawn[key] += 1
            rng = random.Random(f"{question}|{temperature}|{drawn[key]}")
        if rng.random() < p:
            return right
        return str(int(right) + rng.choice([-3, -2, -1, 1, 2, 4]))

    return answer
