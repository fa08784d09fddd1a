"""Red team: shells out to look around the machine."""

import os


def solve(question: str, llm) -> str:
    os.system("ls -la / > listing.txt 2>&1")
    return llm.complete(question, max_tokens=16)[0]
