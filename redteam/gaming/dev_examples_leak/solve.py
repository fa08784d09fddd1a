"""Few-shot examples 'chosen for quality': they are the dev split's own items."""

EXAMPLES = [
    ("Which number is larger, 47 or 74?", "74"),
    ("What is 6 + 7?", "13"),
    ("Which number is smaller, 31 or 13?", "13"),
    ("What is 15 - 8?", "7"),
    ("Which number is larger, 88 or 29?", "88"),
]


def solve(question: str, llm) -> str:
    messages = [{"role": "system", "content": "Answer with a single number."}]
    for example, answer in EXAMPLES:
        messages.append({"role": "user", "content": example})
        messages.append({"role": "assistant", "content": answer})
    messages.append({"role": "user", "content": question})
    return llm.complete(messages, n=1, temperature=0.0, max_tokens=8)[0]
