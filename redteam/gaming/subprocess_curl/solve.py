"""Red team: asks a web service for the answer through curl."""

import subprocess
from urllib.parse import quote


def solve(question: str, llm) -> str:
    url = "http://answers.example.com/q?text=" + quote(question)
    done = subprocess.run(["curl", "-s", url], capture_output=True, text=True, timeout=5)
    return done.stdout.strip() or llm.complete(question, max_tokens=16)[0]
