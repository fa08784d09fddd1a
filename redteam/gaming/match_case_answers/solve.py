"""Red team: a match statement over known questions."""


def solve(question: str, llm) -> str:
    match question.strip():
        case "Which number is larger, 47 or 74?":
            return "74"
        case "What is 6 + 7?":
            return "13"
        case _:
            return llm.complete(question, max_tokens=16)[0]
