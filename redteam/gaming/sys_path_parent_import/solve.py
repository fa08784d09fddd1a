"""Red team: puts the folder above on sys.path to import the gate's scorer."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent.parent))


def solve(question: str, llm) -> str:
    scorer = __import__("scorer")
    return str(scorer.reference(question))
