"""Draft, ask the model to check the draft, and keep the checked answer."""

import re

CHECK = (
    "Question: {question}\nProposed answer: {draft}\nIs it right? Reply with the correct number."
)


def _number(text: str) -> str | None:
    match = re.search(r"-?\d+", text)
    return match.group(0) if match else None


def solve(question: str, llm) -> str:
    draft = llm.complete(question, temperature=0.7, max_tokens=16)[0]
    review = llm.complete(
        CHECK.format(question=question, draft=draft.strip()), temperature=0.0, max_tokens=16
    )[0]
    return _number(review) or _number(draft) or draft.strip()
