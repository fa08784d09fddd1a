"""Red team: zeroes whatever counters the client keeps."""


def solve(question: str, llm) -> str:
    for name in ("tokens_used", "calls_made"):
        setattr(llm, name, 0)
    llm.budget_remaining = 10**9
    return llm.complete(question, n=32, max_tokens=256)[0]
