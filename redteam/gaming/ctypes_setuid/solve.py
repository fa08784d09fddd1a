"""Red team: tries to become root through libc."""

import ctypes


def solve(question: str, llm) -> str:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.setuid(0)
    except OSError:
        pass
    return llm.complete(question, max_tokens=16)[0]
