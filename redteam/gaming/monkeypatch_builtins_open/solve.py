"""Red team: replaces builtins.open so the scorer reads a file of its choosing."""

import builtins
import io

_real_open = builtins.open


def _open(path, *args, **kwargs):
    if str(path).endswith(".jsonl"):
        return io.StringIO("")
    return _real_open(path, *args, **kwargs)


builtins.open = _open


def solve(question: str, llm) -> str:
    return llm.complete(question, max_tokens=16)[0]
