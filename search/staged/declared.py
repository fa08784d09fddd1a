"""Staged tasks people declare in YAML or JSON: items from a task or a JSONL file, and stages.

    name: qa-plan-solve
    data: items.jsonl          # {"question": ..., "answer": ...} lines, next to this file
    scorer: numeric            # exact or numeric (with data:)
    # task: arith              # ... or the items and scorer of a registered task
    stages:
      - name: plan
        prompt: "Write a one-line plan for this question.\\n{question}"
        max_tokens: 32
      - name: solve
        prompt: "Question: {question}\\nPlan: {plan}\\nAnswer with a number."
        extract: number
        max_tokens: 8
      - name: check
        kind: judge
        target: solve
        optional: true
        prompt: "Question: {question}\\nAnswer: {candidate}\\nIs it right? yes or no."
        extract: yes_no

The response the scorer sees is the chosen output of the last stage that ran.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from search.staged.errors import AllocationError
from search.staged.stages import Stage
from search.staged.task import StagedTask
from search.tasks import get_task
from search.tasks.base import Task
from search.tasks.jsonl import JsonlTask


class Declaration(BaseModel):
    """What a stages file says."""

    model_config = ConfigDict(extra="forbid")

    name: str = "declared"
    description: str = ""
    task: str | None = None
    data: str | None = None
    scorer: Literal["exact", "numeric"] = "exact"
    dev_size: int | None = Field(None, ge=1)
    test_size: int | None = Field(None, ge=1)
    seed: int = 0
    stages: list[dict[str, Any]]


def _stage(spec: dict[str, Any], index: int) -> Stage:
    name = spec.get("name", f"#{index}")
    try:
        return Stage.model_validate(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise AllocationError(
            f"{first['msg']} (got {first.get('input')!r})", stage=str(name), field=field
        ) from None


def _read(path: Path) -> Declaration:
    import yaml

    if not path.is_file():
        raise AllocationError(f"stages file {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text())
        return Declaration.model_validate(raw)
    except yaml.YAMLError as exc:
        raise AllocationError(f"{path} is not valid JSON or YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AllocationError(f"{path}: {where}: {first['msg']}") from None


def load_declared(path: str | Path, **options: Any) -> StagedTask:
    """The staged task a YAML/JSON file declares; errors name the stage and field."""
    path = Path(path)
    decl = _read(path)
    if (decl.task is None) == (decl.data is None):
        raise AllocationError(f"{path}: give exactly one of `task:` (a registered task) or `data:`")
    sizes: dict[str, Any] = {
        "seed": decl.seed,
        "dev_size": decl.dev_size,
        "test_size": decl.test_size,
    }
    sizes.update(options)
    if decl.data is not None:
        data = Path(decl.data)
        data = data if data.is_absolute() else path.parent / data
        base: Task = JsonlTask(data, scorer=decl.scorer, **sizes)
    else:
        assert decl.task is not None
        base = get_task(decl.task, **{k: v for k, v in sizes.items() if v is not None})
    stages = [_stage(spec, i) for i, spec in enumerate(decl.stages)]
    summary = decl.description or f"declared in {path.name}"
    return StagedTask(base, stages, label=decl.name, summary=summary)
