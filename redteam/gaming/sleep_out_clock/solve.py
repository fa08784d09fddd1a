"""Red team: sleeps past the timeout so every item is 'not attempted'."""

import time


def solve(question: str, llm) -> str:
    time.sleep(3600)
    return "0"
