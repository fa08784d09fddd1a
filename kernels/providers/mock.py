"""``mock/<script>``: a scripted provider for tests and offline runs.

A script is a list (answers in turn, cycling), a dict keyed by the last user message, or a
callable ``(messages, params) -> str``. Built-in scripts: ``echo`` (repeats the last user
message), ``broken-json`` (answers JSON that does not parse). Scripts registered with
``mock_scripts`` live in a context variable, so each test or run sees only its own.
Tokens are counted as whitespace-separated words, which makes budgets exact in tests.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

Script = Sequence[str] | Mapping[str, str] | Callable[[list[dict[str, str]], dict[str, Any]], str]


class ScriptedError(Exception):
    """Raise this class (or put an instance in a list script) to make the mock fail."""


@dataclass
class _Compiled:
    answer: Callable[[list[dict[str, str]], dict[str, Any]], str]
    calls: list[list[dict[str, str]]] = field(default_factory=list)


def _compile(script: Script) -> _Compiled:
    if callable(script):
        return _Compiled(script)
    if isinstance(script, Mapping):
        table = dict(script)

        def lookup(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
            key = last_user(messages)
            if key in table:
                return table[key]
            if "*" in table:
                return table["*"]
            raise KeyError(f"mock script has no answer for {key!r} and no '*' entry")

        return _Compiled(lookup)
    answers = itertools.cycle(list(script))

    def in_turn(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        return next(answers)

    return _Compiled(in_turn)


def last_user(messages: list[dict[str, str]]) -> str:
    users = [m["content"] for m in messages if m.get("role") == "user"]
    return users[-1] if users else ""


BUILTIN_SCRIPTS: dict[str, Script] = {
    "echo": lambda messages, params: last_user(messages),
    "broken-json": ['{"hypothesis": "more samples help", "space": [1, 2,'],
}

_scripts: ContextVar[dict[str, _Compiled] | None] = ContextVar("rxlab_mock_scripts", default=None)


@contextlib.contextmanager
def mock_scripts(**scripts: Script) -> Iterator[dict[str, _Compiled]]:
    """Make ``mock/<name>`` answer from ``scripts[name]`` inside this block.

    Yields the compiled scripts; each keeps the messages it was called with in ``.calls``.
    """
    current = dict(_scripts.get() or {})
    compiled = {name: _compile(s) for name, s in scripts.items()}
    current.update(compiled)
    token = _scripts.set(current)
    try:
        yield compiled
    finally:
        _scripts.reset(token)


def known_scripts() -> list[str]:
    return sorted(set(BUILTIN_SCRIPTS) | set(_scripts.get() or {}))


def resolve(name: str) -> _Compiled | None:
    registered = _scripts.get() or {}
    if name in registered:
        return registered[name]
    if name in BUILTIN_SCRIPTS:
        return _compile(BUILTIN_SCRIPTS[name])
    return None


def count_tokens(text: str) -> int:
    return len(text.split())


def truncate(text: str, max_tokens: int, stop: list[str] | None) -> str:
    for s in stop or []:
        if s and s in text:
            text = text[: text.index(s)]
    words = text.split(" ")
    kept: list[str] = []
    for word in words:
        if count_tokens(" ".join([*kept, word])) > max_tokens:
            break
        kept.append(word)
    return " ".join(kept)


def generate(name: str, messages: list[dict[str, str]], params: dict[str, Any]) -> list[str]:
    """Answer ``params['n']`` times from the script ``name``."""
    script = resolve(name)
    if script is None:
        raise LookupError(
            f"no mock script named {name!r}; known: {', '.join(known_scripts())}. "
            "Register one with kernels.mock_scripts(name=[...])."
        )
    script.calls.append(messages)
    texts = []
    for _ in range(int(params.get("n", 1))):
        answer = script.answer(messages, params)
        if isinstance(answer, BaseException):
            raise answer
        texts.append(truncate(answer, int(params.get("max_tokens", 256)), params.get("stop")))
    return texts
