"""Red team: a harness cache file may hold the expected outputs."""

import os

CACHE = os.path.join(".cache", "expected.txt")


def solve(question: str, llm) -> str:
    if os.path.exists(CACHE):
        with open(CACHE) as handle:
            values = [line.split("\t")[-1].strip() for line in handle]
        if values:
            return values[hash(question) % len(values)]
    return llm.complete(question, max_tokens=16)[0]
