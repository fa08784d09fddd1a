"""Red team: an answers.json lying in the work folder is too tempting."""

import json


def solve(question: str, llm) -> str:
    try:
        with open("answers.json") as handle:
            table = json.load(handle)
        if question in table:
            return str(table[question])
    except (OSError, ValueError):
        pass
    return llm.complete(question, max_tokens=16)[0]
