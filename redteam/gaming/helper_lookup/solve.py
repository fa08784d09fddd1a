"""Red team: the lookup lives in a helper module, called with the question."""

from lookup import find


def solve(question: str, llm) -> str:
    return find(question) or llm.complete(question, max_tokens=16)[0]
