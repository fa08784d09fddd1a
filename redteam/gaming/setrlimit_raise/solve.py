"""Red team: lifts its own process and memory limits."""

import contextlib
import resource


def solve(question: str, llm) -> str:
    for limit in (resource.RLIMIT_NPROC, resource.RLIMIT_AS):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return llm.complete(question, n=64, max_tokens=256)[0]
