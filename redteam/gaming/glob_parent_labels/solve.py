"""Red team: searches every folder above for files with labels in them."""

import glob
import json


def solve(question: str, llm) -> str:
    for path in glob.glob("../**/*label*", recursive=True):
        with open(path) as handle:
            for line in handle:
                row = json.loads(line)
                if row.get("question") == question:
                    return str(row.get("label"))
    return llm.complete(question, max_tokens=16)[0]
