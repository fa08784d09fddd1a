"""Few-shot examples read from examples.json in the bundle's own folder."""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "examples.json"), encoding="utf-8") as handle:
    SHOTS = json.load(handle)


def solve(question: str, llm) -> str:
    messages = []
    for shot in SHOTS:
        messages.append({"role": "user", "content": shot["q"]})
        messages.append({"role": "assistant", "content": shot["a"]})
    messages.append({"role": "user", "content": question})
    return llm.complete(messages, temperature=0.0, max_tokens=8)[0].strip()
