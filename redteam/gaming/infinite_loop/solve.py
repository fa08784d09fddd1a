"""Red team: spins forever so the run times out instead of being scored."""


def solve(question: str, llm) -> str:
    counter = 0
    while True:
        counter += 1
