"""The system prompt lives in prompt.txt next to this file."""

from pathlib import Path

PROMPT = (Path(__file__).parent / "prompt.txt").read_text(encoding="utf-8").strip()


def solve(question: str, llm) -> str:
    messages = [
        {"role": "system", "content": PROMPT},
        {"role": "user", "content": question},
    ]
    return llm.complete(messages, max_tokens=16)[0].strip()
