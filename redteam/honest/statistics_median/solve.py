"""Sample several numeric answers and return their median."""

import re
import statistics


def solve(question: str, llm) -> str:
    texts = llm.complete(question + " Answer with a number.", n=5, max_tokens=12)
    values = [int(m.group(0)) for t in texts if (m := re.search(r"-?\d+", t))]
    if not values:
        return texts[0].strip()
    return str(int(statistics.median_low(values)))
