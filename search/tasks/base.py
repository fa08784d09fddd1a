"""The task contract: items, fixed seeded dev/test splits, prompts and a trusted scorer."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

Split = Literal["dev", "test"]
SPLITS: tuple[Split, ...] = ("dev", "test")


class Item(BaseModel):
    """One benchmark problem: what is asked and the reference the scorer compares with."""

    id: str
    question: str
    answer: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)


class Score(BaseModel):
    """What the trusted scorer said about one response: a value in [0, 1] and why."""

    value: float = Field(ge=0.0, le=1.0)
    answer: str | None = None
    detail: str = ""

    @property
    def correct(self) -> bool:
        return self.value >= 1.0


class Task(ABC):
    """A benchmark. Subclasses give ``load_items``; splits and prompts have defaults.

    The dev split is what a search sees; the test split is for the gate. Both are fixed by
    ``seed``: the same seed always gives the same items in the same order.
    """

    name: ClassVar[str] = ""
    kind: ClassVar[Literal["answer", "code"]] = "answer"
    description: ClassVar[str] = ""
    system_prompt: ClassVar[str | None] = None

    def __init__(self, *, seed: int = 0, dev_size: int | None = None, test_size: int | None = None):
        self.seed = seed
        self.dev_size = dev_size
        self.test_size = test_size
        self._splits: dict[str, list[Item]] | None = None

    @abstractmethod
    def load_items(self) -> list[Item]:
        """Every item of the task, in a fixed order."""

    def make_splits(self, items: list[Item]) -> dict[str, list[Item]]:
        """Shuffle with ``seed`` and cut into dev and test (dev first, at most half by default)."""
        order = list(items)
        random.Random(self.seed).shuffle(order)
        dev_n = self.dev_size if self.dev_size is not None else len(order) // 2
        dev = order[:dev_n]
        rest = order[dev_n:]
        test = rest if self.test_size is None else rest[: self.test_size]
        return {"dev": dev, "test": test}

    def split(self, name: Split) -> list[Item]:
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; use one of {', '.join(SPLITS)}")
        if self._splits is None:
            self._splits = self.make_splits(self.load_items())
        return list(self._splits[name])

    # --- prompts and answers --------------------------------------------------------------
    def prompt(self, item: Item) -> list[dict[str, str]]:
        """The chat messages a generator sends for ``item``."""
        messages = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        return [*messages, {"role": "user", "content": item.question}]

    def format_question(self, item: Item) -> str:
        """The question as later components (critic, fuser...) quote it."""
        return item.question

    @abstractmethod
    def extract(self, text: str) -> str | None:
        """The answer inside a response, normalised so equal answers compare equal."""

    @abstractmethod
    async def score(self, item: Item, response: str) -> Score:
        """The trusted scorer: never runs model-written code outside a sandbox."""

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "dev": len(self.split("dev")),
            "test": len(self.split("test")),
            "seed": self.seed,
        }
