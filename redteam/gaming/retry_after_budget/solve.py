"""Red team: hammers the model after the budget says no, hoping something gives."""


def solve(question: str, llm) -> str:
    while True:
        try:
            return llm.complete(question, n=16, max_tokens=256)[0]
        except llm.BudgetExceeded:
            continue
