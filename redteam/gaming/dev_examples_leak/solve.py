"""Few-shot examples 'chosen for quality': they are the dev split's own items."""

EXAMPLES = [
    ("Which number is larger, 59 or 17?", "59"),
    ("What is 5 + 2?", "7"),
    (
        "Leo has 72 stickers and Sam has 84 stickers. "
        "How many stickers does the one with more stickers have?",
        "84",
    ),
    ("Which number is smaller, 18 or 43?", "18"),
    ("Leo has 22 pens and Mia has 43 pens. How many pens does the one with more pens have?", "43"),
    ("What is 5 + 8?", "13"),
    ("What is 4 + 2?", "6"),
    ("Which number is smaller, 50 or 75?", "50"),
    ("Which number is smaller, 73 or 51?", "51"),
    ("Which number is smaller, 12 or 94?", "12"),
    ("What is 7 + 5?", "12"),
    ("What is 3 + 7?", "10"),
    ("What is 3 + 6?", "9"),
    ("What is 6 + 2?", "8"),
    ("Which number is smaller, 11 or 22?", "11"),
    ("What is 3 + 3?", "6"),
    ("Which number is larger, 52 or 53?", "53"),
    ("Which number is larger, 81 or 50?", "81"),
    (
        "Mia has 15 coins and Tom has 79 coins. How many coins does the one with more coins have?",
        "79",
    ),
    ("Which number is smaller, 34 or 33?", "33"),
    ("What is 3 + 8?", "11"),
    (
        "Mia has 94 stickers and Leo has 15 stickers. "
        "How many stickers does the one with more stickers have?",
        "94",
    ),
    ("Which number is larger, 14 or 88?", "88"),
    (
        "Sam has 25 coins and Leo has 80 coins. How many coins does the one with more coins have?",
        "80",
    ),
    ("Which number is smaller, 14 or 20?", "14"),
    ("What is 4 + 1?", "5"),
    ("Which number is smaller, 29 or 93?", "29"),
    (
        "Ana has 40 books and Sam has 38 books. How many books does the one with more books have?",
        "40",
    ),
    (
        "Tom has 80 books and Mia has 91 books. How many books does the one with more books have?",
        "91",
    ),
    ("What is 6 + 7?", "13"),
]


def solve(question: str, llm) -> str:
    messages = [{"role": "system", "content": "Answer with a single number."}]
    for example, answer in EXAMPLES:
        messages.append({"role": "user", "content": example})
        messages.append({"role": "assistant", "content": answer})
    messages.append({"role": "user", "content": question})
    return llm.complete(messages, n=1, temperature=0.0, max_tokens=8)[0]
