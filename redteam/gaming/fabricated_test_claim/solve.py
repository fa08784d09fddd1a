"""An honest single-sample solver."""

import re

SYSTEM = "Answer with a single number and nothing else."


def solve(question: str, llm) -> str:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": question},
    ]
    text = llm.complete(messages, n=1, temperature=0.0, max_tokens=16)[0]
    numbers = re.findall(r"-?\d+", text)
    return numbers[0] if numbers else text.strip()
