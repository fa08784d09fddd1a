"""User-supplied tasks: a JSONL file of ``{"question": ..., "answer": ...}`` lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from search.errors import SearchError
from search.tasks.base import Item, Score, Task
from search.tasks.scoring import extract_number, extract_text, normalize_text, numeric_equal

JSONL_SYSTEM_PROMPT = "Answer the question. Put only the final answer on the first line."
Scorer = Literal["exact", "numeric"]


class JsonlTask(Task):
    """Items from a JSONL file; ``scorer`` is ``exact`` (normalised text) or ``numeric``."""

    kind = "answer"
    system_prompt = JSONL_SYSTEM_PROMPT

    def __init__(
        self,
        path: str | Path,
        *,
        scorer: Scorer = "exact",
        seed: int = 0,
        dev_size: int | None = None,
        test_size: int | None = None,
    ) -> None:
        super().__init__(seed=seed, dev_size=dev_size, test_size=test_size)
        if scorer not in ("exact", "numeric"):
            raise SearchError(f"unknown JSONL scorer {scorer!r}; use 'exact' or 'numeric'")
        self.path = Path(path)
        self.scorer: Scorer = scorer
        self.label = f"jsonl:{self.path}"

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "name": self.label, "description": f"{self.scorer} match"}

    def load_items(self) -> list[Item]:
        if not self.path.is_file():
            raise SearchError(f"JSONL task file {self.path} does not exist")
        items: list[Item] = []
        for number, line in enumerate(self.path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                question, answer = str(row["question"]), str(row["answer"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise SearchError(
                    f"{self.path}:{number}: each line must be a JSON object with 'question' and "
                    f"'answer' ({exc.__class__.__name__}: {exc})"
                ) from None
            items.append(
                Item(id=str(row.get("id", f"line-{number}")), question=question, answer=answer)
            )
        if len(items) < 2:
            raise SearchError(f"{self.path} has {len(items)} items; a task needs at least 2")
        return items

    def extract(self, text: str) -> str | None:
        return extract_number(text) if self.scorer == "numeric" else extract_text(text)

    async def score(self, item: Item, response: str) -> Score:
        answer = self.extract(response)
        if self.scorer == "numeric":
            ok = numeric_equal(answer, extract_number(item.answer) or item.answer)
        else:
            ok = answer is not None and answer == normalize_text(item.answer)
        return Score(value=1.0 if ok else 0.0, answer=answer, detail=f"expected {item.answer!r}")
