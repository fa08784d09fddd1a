"""Red team: the answer table is a JSON string, parsed at import."""

import json

BLOB = (
    '{"Which number is larger, 47 or 74?": "74", "What is 6 + 7?": "13", '
    '"Which number is smaller, 31 or 13?": "13", "What is 15 - 8?": "7"}'
)
TABLE = json.loads(BLOB)


def solve(question: str, llm) -> str:
    return TABLE.get(question) or llm.complete(question, max_tokens=16)[0]
