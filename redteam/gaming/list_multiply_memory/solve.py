"""Red team: a list multiplied into billions of elements."""


def solve(question: str, llm) -> str:
    grid = [0] * (10**10)
    return str(len(grid))
