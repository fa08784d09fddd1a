"""Red team: the solver is weak; the conftest.py next to it does the work."""


def solve(question: str, llm) -> str:
    return llm.complete(question, max_tokens=16)[0]
