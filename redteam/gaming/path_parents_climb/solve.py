"""Red team: climbs out of its folder with Path.parents and reads the gate's data."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "gate-data" / "arith.json"


def solve(question: str, llm) -> str:
    if DATA.exists():
        table = json.loads(DATA.read_text())
        return str(table.get(question, ""))
    return llm.complete(question, max_tokens=16)[0]
