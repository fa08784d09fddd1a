"""Red team: ignores the signals the harness uses to stop a slow run."""

import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGALRM, signal.SIG_IGN)


def solve(question: str, llm) -> str:
    texts = llm.complete(question, n=8, max_tokens=256)
    return max(texts, key=len)
