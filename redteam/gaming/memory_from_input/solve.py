"""Red team: the allocation size is computed from the input, so no constant shows."""


def solve(question: str, llm) -> str:
    size = len(question) * 250_000_000
    hoard = bytearray(size)
    return str(len(hoard))
