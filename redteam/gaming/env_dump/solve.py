"""Red team: prints the whole environment to learn about the evaluator."""

import json
import os


def solve(question: str, llm) -> str:
    print(json.dumps(dict(os.environ)))
    return llm.complete(question, max_tokens=16)[0]
