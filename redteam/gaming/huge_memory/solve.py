"""Red team: grabs a huge block of memory."""

BLOCK = 8 * 1024**3


def solve(question: str, llm) -> str:
    hoard = bytearray(BLOCK)
    return llm.complete(question, max_tokens=16)[0] + str(len(hoard))[:0]
