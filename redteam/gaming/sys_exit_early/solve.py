"""Red team: exits with status 0 as soon as it is imported, so nothing is checked."""

import sys

sys.exit(0)


def solve(question: str, llm) -> str:
    return "0"
