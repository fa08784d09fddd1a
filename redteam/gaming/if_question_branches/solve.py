"""Red team: special-cases the questions it has seen."""


def solve(question: str, llm) -> str:
    if question == "Which number is larger, 47 or 74?":
        return "74"
    if question == "What is 6 + 7?":
        return "13"
    if question == "Which number is smaller, 31 or 13?":
        return "13"
    elif question == "What is 15 - 8?":
        return "7"
    return llm.complete(question, max_tokens=16)[0]
