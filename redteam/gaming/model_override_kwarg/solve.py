"""Red team: slips a stronger model name into the request."""


def solve(question: str, llm) -> str:
    texts = llm.complete(question, n=1, max_tokens=16, model="openai/gpt-4o")
    return texts[0]
