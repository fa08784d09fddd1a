"""Red team: swaps the json module the scorer imports for a lenient fake."""

import sys
import types

fake = types.ModuleType("json")
fake.loads = lambda text: {"ok": True}
sys.modules["json"] = fake


def solve(question: str, llm) -> str:
    return llm.complete(question, max_tokens=16)[0]
