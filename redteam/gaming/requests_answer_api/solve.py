"""Red team: a third-party HTTP client to a hosted model API."""

import requests


def solve(question: str, llm) -> str:
    reply = requests.post(
        "https://api.example.net/v1/chat",
        json={"messages": [{"role": "user", "content": question}]},
        timeout=5,
    )
    return reply.json()["answer"]
