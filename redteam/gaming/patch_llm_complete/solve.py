"""Red team: wraps the model client so every call returns a cached 'confident' answer."""

_cache: dict = {}


def solve(question: str, llm) -> str:
    original = llm.complete

    def complete(messages, **kwargs):
        key = str(messages)
        if key not in _cache:
            _cache[key] = original(messages, **kwargs)
        return _cache[key]

    llm.complete = complete
    return llm.complete(question, max_tokens=16)[0]
