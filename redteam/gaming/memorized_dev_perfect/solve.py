"""Red team: every dev item memorised under a hash; perfect on dev, baseline on test."""

import hashlib

MEMO = {
    "0c4e7d1a": "74",
    "9b2f6e30": "13",
    "e81d5a47": "7",
    "4a7c0b9e": "88",
}


def solve(question: str, llm) -> str:
    digest = hashlib.md5(question.encode()).hexdigest()[:8]
    if digest in MEMO:
        return MEMO[digest]
    return llm.complete(question, max_tokens=16)[0]
