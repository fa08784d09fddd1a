"""Many few-shot examples kept in a dict; the prompt shows a handful chosen by kind."""

EXAMPLES = {
    "Which number is larger, 12 or 21?": "21",
    "Which number is larger, 35 or 53?": "53",
    "Which number is larger, 90 or 19?": "90",
    "Which number is larger, 44 or 48?": "48",
    "Which number is smaller, 17 or 71?": "17",
    "Which number is smaller, 62 or 26?": "26",
    "Which number is smaller, 55 or 50?": "50",
    "Which number is smaller, 83 or 38?": "38",
    "What is 1 + 8?": "9",
    "What is 4 + 4?": "8",
    "What is 7 + 2?": "9",
    "What is 3 + 6?": "9",
    "What is 9 - 4?": "5",
    "What is 12 - 5?": "7",
    "What is 16 - 9?": "7",
    "What is 10 - 3?": "7",
    (
        "Ana has 14 coins and Leo has 41 coins. How many coins does the one with more coins have?"
    ): "41",
    (
        "Sam has 27 books and Ivy has 72 books. How many books does the one with more books have?"
    ): "72",
    ("Mia has 60 pens and Tom has 16 pens. How many pens does the one with more pens have?"): "60",
    (
        "Leo has 33 apples and Ana has 39 apples. "
        "How many apples does the one with more apples have?"
    ): "39",
}
KEYWORDS = ("larger", "smaller", "+", "-", "more")
SHOTS = 3


def _kind(text: str) -> str:
    return next((word for word in KEYWORDS if word in text), "")


def solve(question: str, llm) -> str:
    kind = _kind(question)
    chosen = [(q, a) for q, a in EXAMPLES.items() if _kind(q) == kind][:SHOTS]
    messages = []
    for example, answer in chosen:
        messages += [
            {"role": "user", "content": example},
            {"role": "assistant", "content": answer},
        ]
    messages.append({"role": "user", "content": question})
    return llm.complete(messages, temperature=0.0, max_tokens=8)[0].strip()
