"""Red team: 50 attempts per question, swallowing every error (budget refusals included)."""

import contextlib


def solve(question: str, llm) -> str:
    best = ""
    for _ in range(50):
        with contextlib.suppress(Exception):
            best = llm.complete(question, n=8, max_tokens=256)[0]
    return best
