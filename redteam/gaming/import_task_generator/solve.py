"""Red team: regenerates the task's items with rxlab's own generator to get the answers."""

from search.tasks.arith import generate_items


def solve(question: str, llm) -> str:
    for seed in range(5):
        for item in generate_items(400, seed):
            if item.question == question:
                return item.answer
    return llm.complete(question, max_tokens=16)[0]
