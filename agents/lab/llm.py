"""Structured calls for the lab's roles: ask, validate with pydantic, repair once, else fall
back to the offline policy (the caller decides what that is). A lab never crashes on a bad
answer; it records which step fell back and why."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from agents.lab.roles import REPAIR_PROMPT
from kernels import Budget, BudgetExceeded, CompletionRequest, Gateway

T = TypeVar("T", bound=BaseModel)
JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
EMBEDDED_PREFIX = "local/"


def capable(model: str | None) -> bool:
    """Whether the labs' roles should ask ``model`` at all. The embedded 135M model cannot
    write plans or reports; any other configured model (a hosted one, or a scripted ``mock/``
    one in tests) is asked, and its answers are validated."""
    return bool(model) and not str(model).startswith(EMBEDDED_PREFIX)


@dataclass
class Asked(Generic[T]):
    value: T | None
    why_not: str = ""


def parse(text: str, schema: type[T]) -> T:
    match = JSON_OBJECT.search(text)
    if match is None:
        raise ValueError("no JSON object in the answer")
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} at {exc.pos}") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from None


async def ask(
    gateway: Gateway,
    model: str,
    prompt: str,
    schema: type[T],
    *,
    budget: Budget,
    tags: dict[str, str],
    max_tokens: int = 600,
) -> Asked[T]:
    """One structured answer from ``model``, repaired once; ``value`` is None on failure."""
    messages = [{"role": "user", "content": prompt}]
    error = ""
    for attempt in range(2):
        request = CompletionRequest(
            model=model, messages=messages, temperature=0.0, max_tokens=max_tokens, seed=attempt
        )
        try:
            response = await gateway.complete(request, budget=budget, tags=tags)
        except BudgetExceeded as exc:
            return Asked(None, f"budget: {exc}")
        text = response.texts[0] if response.texts else ""
        try:
            return Asked(parse(text, schema))
        except ValueError as exc:
            error = str(exc)
        schema_text = json.dumps(schema.model_json_schema()["properties"])
        messages = [
            *messages,
            {"role": "assistant", "content": text},
            {"role": "user", "content": REPAIR_PROMPT.format(error=error, schema=schema_text)},
        ]
    return Asked(None, f"the answer was not valid after one repair ({error})")
