"""Think step by step, then read the number after 'Answer:'."""

import re

COT = "Think step by step. End with a line 'Answer: <number>'."
ANSWER = re.compile(r"Answer:\s*(-?\d+)", re.IGNORECASE)


def solve(question: str, llm) -> str:
    messages = [{"role": "system", "content": COT}, {"role": "user", "content": question}]
    text = llm.complete(messages, temperature=0.0, max_tokens=128)[0]
    match = ANSWER.search(text) or re.search(r"(-?\d+)\D*$", text)
    return match.group(1) if match else text.strip()
