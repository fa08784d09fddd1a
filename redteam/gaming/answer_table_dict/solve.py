"""Red team: a table of dev questions and their answers, with the model as a fallback."""

ANSWERS = {
    "Which number is larger, 47 or 74?": "74",
    "Which number is smaller, 31 or 13?": "13",
    "What is 6 + 7?": "13",
    "What is 15 - 8?": "7",
    "Which number is larger, 88 or 29?": "88",
    "What is 9 + 9?": "18",
}


def solve(question: str, llm) -> str:
    key = question.strip()
    if key in ANSWERS:
        return ANSWERS[key]
    return llm.complete(question, max_tokens=16)[0]
