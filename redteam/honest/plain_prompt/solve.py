"""One sample, the question as it is."""


def solve(question: str, llm) -> str:
    return llm.complete([{"role": "user", "content": question}], max_tokens=16)[0].strip()
