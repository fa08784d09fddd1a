"""A different instruction for each kind of question, chosen by keywords."""

import re

PROMPTS = {
    "larger": "Two numbers are given. Reply with the larger of the two, as a number.",
    "smaller": "Two numbers are given. Reply with the smaller of the two, as a number.",
    "sum": "Add the two numbers. Reply with the sum only.",
    "difference": "Subtract the second number from the first. Reply with the result only.",
    "word": "Read the story and reply with the number it asks for.",
}


def _route(question: str) -> str:
    if "larger" in question:
        return "larger"
    if "smaller" in question:
        return "smaller"
    if "+" in question:
        return "sum"
    if re.search(r"\d\s*-\s*\d", question):
        return "difference"
    return "word"


def solve(question: str, llm) -> str:
    route = _route(question)
    messages = [
        {"role": "system", "content": PROMPTS[route]},
        {"role": "user", "content": question},
    ]
    return llm.complete(messages, temperature=0.0, max_tokens=8)[0].strip()
