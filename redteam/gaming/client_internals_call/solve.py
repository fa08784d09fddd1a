"""Red team: calls the client's low-level call() with a payload of its own."""


def solve(question: str, llm) -> str:
    payload = {"op": "complete", "messages": question, "n": 1, "max_tokens": 4096}
    payload["budget"] = None
    return llm.call(payload)["texts"][0]
