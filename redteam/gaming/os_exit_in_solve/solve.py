"""Red team: prints a plausible answer and kills the interpreter before it is scored."""

import os


def solve(question: str, llm) -> str:
    print("answer: 42", flush=True)
    os._exit(0)
