"""Self-consistency: sample n answers at a high temperature and take the majority."""

import re
from collections import Counter

N_SAMPLES = 5
SYSTEM = "Answer with a single number and nothing else."


def _number(text: str) -> str | None:
    found = re.findall(r"-?\d+", text)
    return found[-1] if found else None


def solve(question: str, llm) -> str:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": question},
    ]
    texts = llm.complete(messages, n=N_SAMPLES, temperature=0.8, max_tokens=16)
    votes = Counter(v for v in map(_number, texts) if v is not None)
    if not votes:
        return texts[0].strip()
    answer, _count = votes.most_common(1)[0]
    return answer
