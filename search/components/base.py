"""The component contract: a small config class with an async ``__call__(state, ctx)``.

A component reads the ``State`` of one item (its question and the candidates so far) and
returns the next ``State``. ``plan`` says, without calling anything, which requests it could
send at most, so the executor can price the worst case of a trial before running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from search.tasks.base import Item, Task

if TYPE_CHECKING:
    from kernels import CompletionRequest
    from search.context import Context

# Planning prices a candidate of ``max_tokens`` tokens as this many filler words more,
# so re-tokenising a model's text inside a later prompt never costs more than was planned.
PLACEHOLDER_SLACK = 4


@dataclass(frozen=True)
class Candidate:
    """One response under consideration, with what later components said about it."""

    text: str
    answer: str | None
    origin: str
    critique: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class State:
    """What an architecture knows about one item between layers."""

    item: Item
    candidates: tuple[Candidate, ...] = ()
    unit_tests: tuple[str, ...] = ()

    def with_candidates(self, candidates: Sequence[Candidate]) -> State:
        return replace(self, candidates=tuple(candidates))


@dataclass(frozen=True)
class Shape:
    """An upper bound on a State, for planning: how many candidates and how long each is."""

    candidates: int = 0
    candidate_tokens: int = 0
    critique_tokens: int = 0
    unit_tests: int = 0
    unit_test_tokens: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


@runtime_checkable
class Component(Protocol):
    """Anything that turns one item's state into the next one."""

    async def __call__(self, state: State, ctx: Context) -> State: ...


def filler(tokens: int) -> str:
    """Text that costs at least ``tokens`` tokens wherever it is quoted."""
    return " ".join(["x"] * (tokens + PLACEHOLDER_SLACK))


def task_messages(task: Task, item: Item, user_text: str) -> list[dict[str, str]]:
    """The task's own prompt (system message, examples) with the last user turn replaced."""
    messages = task.prompt(item)
    if messages and messages[-1]["role"] == "user":
        messages = messages[:-1]
    return [*messages, {"role": "user", "content": user_text}]


def numbered(candidates: Sequence[Candidate], with_critiques: bool = True) -> str:
    """Candidates as ``[1] text`` blocks, each followed by its critique when it has one."""
    blocks = []
    for i, cand in enumerate(candidates, 1):
        block = f"[{i}] {cand.text.strip()}"
        if with_critiques and cand.critique:
            block += f"\nCritique of [{i}]: {cand.critique.strip()}"
        blocks.append(block)
    return "\n\n".join(blocks)


def filler_candidates(shape: Shape) -> list[Candidate]:
    critique = filler(shape.critique_tokens) if shape.critique_tokens else None
    text = filler(shape.candidate_tokens)
    return [Candidate(text, None, "plan", critique) for _ in range(shape.candidates)]


class ComponentBase(BaseModel):
    """Shared config behaviour: unknown fields are errors; no calls planned by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str] = ""
    parallel: ClassVar[bool] = False  # may share a layer with others of its kind
    needs_candidates: ClassVar[bool] = True  # cannot be in the first layer

    def models(self) -> list[str]:
        """The model strings this component names (``None`` fields mean the default model)."""
        model = getattr(self, "model", None)
        return [model] if model else []

    def plan(self, shape: Shape, item: Item, ctx: Context) -> tuple[list[CompletionRequest], Shape]:
        return [], shape

    def describe(self) -> dict[str, Any]:
        return {"type": self.kind, **self.model_dump(exclude_defaults=True)}
