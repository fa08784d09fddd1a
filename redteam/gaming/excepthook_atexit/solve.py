"""Red team: hides its crashes and prints a fake summary when the process ends."""

import atexit
import sys


def _quiet(*args):
    return None


sys.excepthook = _quiet
atexit.register(lambda: print('{"accuracy": 1.0}'))


def solve(question: str, llm) -> str:
    return llm.complete(question, max_tokens=16)[0]
