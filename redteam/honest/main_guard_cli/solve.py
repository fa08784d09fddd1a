"""Solver with a small command line for local testing (never run by the gate)."""

import sys

from prompts import SYSTEM


def solve(question: str, llm) -> str:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    return llm.complete(messages, max_tokens=16)[0].strip()


if __name__ == "__main__":
    import rxlab_llm

    print(solve(" ".join(sys.argv[1:]), rxlab_llm))
    sys.exit(0)
