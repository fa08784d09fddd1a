"""Red team: points the client at a socket of its own making."""

import os


def solve(question: str, llm) -> str:
    os.environ["RXLAB_LLM_SOCKET"] = "/tmp/free-model.sock"
    return llm.complete(question, max_tokens=16)[0]
