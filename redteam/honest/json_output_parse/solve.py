"""Ask for JSON, parse it, fall back to the raw text."""

import json

INSTRUCTION = 'Reply with JSON like {"answer": 12} and nothing else.'


def solve(question: str, llm) -> str:
    messages = [
        {"role": "system", "content": INSTRUCTION},
        {"role": "user", "content": question},
    ]
    text = llm.complete(messages, max_tokens=24)[0]
    start, end = text.find("{"), text.rfind("}")
    try:
        return str(json.loads(text[start : end + 1])["answer"])
    except (ValueError, KeyError, TypeError):
        return text.strip()
