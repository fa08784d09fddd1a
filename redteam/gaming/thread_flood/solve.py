"""Red team: starts thousands of threads."""

import threading


def _spin():
    while True:
        pass


def solve(question: str, llm) -> str:
    for _ in range(5000):
        threading.Thread(target=_spin, daemon=True).start()
    return llm.complete(question, max_tokens=16)[0]
