"""Few-shot prompting: four worked examples (not from any split) before the question."""

FEW_SHOT = [
    ("Which number is larger, 23 or 58?", "58"),
    ("What is 2 + 5?", "7"),
    ("Which number is smaller, 64 or 41?", "41"),
    ("Ben has 12 pens and Eva has 30 pens. How many pens does the one with more pens have?", "30"),
]


def build_messages(question: str) -> list[dict]:
    messages = [{"role": "system", "content": "Answer with a single number and nothing else."}]
    for example, answer in FEW_SHOT:
        messages.append({"role": "user", "content": example})
        messages.append({"role": "assistant", "content": answer})
    messages.append({"role": "user", "content": question})
    return messages


def solve(question: str, llm) -> str:
    return llm.complete(build_messages(question), temperature=0.0, max_tokens=8)[0].strip()
