"""The multi-stage task: items of a base task pass through stages, then the base task's trusted
scorer scores the response. Built-ins register with ``@staged_task(name)``.

Stage prompts are templates: ``{question}`` is the item's question, ``{<stage>}`` an earlier
stage's chosen output and ``{candidate}`` (judge stages) the candidate under judgement.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from search.components.base import Candidate, filler
from search.staged.errors import AllocationError, UnknownStagedTask
from search.staged.stages import Stage, StageOutput
from search.tasks.base import Item, Score, Split, Task

Trace = Mapping[str, StageOutput]
Messages = list[dict[str, str]]

_STAGED: dict[str, Callable[..., StagedTask]] = {}
DECLARED_SUFFIXES = (".yaml", ".yml", ".json")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def check_stages(stages: Sequence[Stage]) -> None:
    """Unique names; templates and judges refer only to earlier stages."""
    if not stages:
        raise AllocationError("a staged task needs at least one stage")
    seen: dict[str, Stage] = {}
    for stage in stages:
        if stage.name in seen:
            raise AllocationError("two stages have this name", stage=stage.name, field="name")
        allowed = {"question", *seen} | ({"candidate"} if stage.kind == "judge" else set())
        unknown = placeholders(stage.prompt) - allowed
        if unknown:
            raise AllocationError(
                f"the prompt names {sorted(unknown)}, but only {sorted(allowed)} are known "
                "here (earlier stages, the question, and {candidate} for judges)",
                stage=stage.name,
                field="prompt",
            )
        if stage.kind == "judge" and not stage.prompt:
            raise AllocationError("a judge needs a `prompt:` with {candidate}", stage=stage.name)
        if stage.kind == "judge":
            target = seen.get(stage.target or "")
            if target is None or target.kind != "generate":
                raise AllocationError(
                    f"a judge needs `target:` naming an earlier generate stage, got "
                    f"{stage.target!r}",
                    stage=stage.name,
                    field="target",
                )
        seen[stage.name] = stage


class StagedTask:
    """A base task's items passed through ``stages``; ``respond`` gives what is scored."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(
        self,
        base: Task,
        stages: Sequence[Stage],
        *,
        label: str | None = None,
        summary: str | None = None,
    ) -> None:
        check_stages(stages)
        self.base = base
        self.stages: list[Stage] = list(stages)
        self.label = label or self.name
        self.summary = summary or self.description

    # --- items and the trusted scorer come from the base task ---------------------------
    def split(self, name: Split) -> list[Item]:
        return self.base.split(name)

    async def score(self, item: Item, response: str) -> Score:
        return await self.base.score(item, response)

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise AllocationError(f"no such stage; this task has {self.stage_names()}", stage=name)

    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    # --- prompts ------------------------------------------------------------------------
    def messages(
        self, stage: Stage, item: Item, trace: Trace, candidate: str | None = None
    ) -> Messages:
        """The chat messages ``stage`` sends for ``item`` given earlier stages' outputs; a
        generate stage without a prompt sends the base task's own prompt."""
        if not stage.prompt and stage.kind == "generate":
            return self.base.prompt(item)
        values = {name: out.text for name, out in trace.items()}
        values["question"] = self.base.format_question(item)
        values["candidate"] = candidate or ""
        return self.render(stage, values)

    def render(self, stage: Stage, values: Mapping[str, str]) -> Messages:
        text = stage.prompt.format_map(dict(values))
        system = [{"role": "system", "content": stage.system}] if stage.system else []
        return [*system, {"role": "user", "content": text}]

    def output_tokens(self, name: str) -> int:
        """The most tokens stage ``name``'s chosen output can have."""
        stage = self.stage(name)
        return self.stage(stage.target).max_tokens if stage.target else stage.max_tokens

    def plan_messages(self, stage: Stage, item: Item) -> list[Messages]:
        """Prompts ``stage`` may send for ``item`` with earlier outputs at their longest; the
        cost model takes the most expensive one."""
        trace = {
            s.name: StageOutput((Candidate(filler(self.output_tokens(s.name)), None, "plan"),))
            for s in self.stages[: self.stages.index(stage)]
        }
        target = stage.target
        candidate = filler(self.stage(target).max_tokens) if target else None
        return [self.messages(stage, item, trace, candidate)]

    async def respond(self, item: Item, trace: Trace) -> str:
        """The response the scorer sees: the last stage that ran, its chosen output."""
        for stage in reversed(self.stages):
            out = trace.get(stage.name)
            if out is not None and not out.skipped and out.candidates:
                return out.text
        return ""

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.label,
            "base": self.base.name,
            "description": self.summary,
            "stages": [s.model_dump(exclude_defaults=True) for s in self.stages],
            "dev": len(self.split("dev")),
            "test": len(self.split("test")),
        }


def staged_task(name: str) -> Callable[[type[StagedTask]], type[StagedTask]]:
    """Register a StagedTask subclass under ``name``."""

    def register(cls: type[StagedTask]) -> type[StagedTask]:
        if name in _STAGED and _STAGED[name] is not cls:
            raise ValueError(f"staged task {name!r} is registered twice")
        cls.name = name
        _STAGED[name] = cls
        return cls

    return register


def list_staged_tasks() -> list[str]:
    return sorted(_STAGED)


def get_staged_task(ref: str | Path | StagedTask, **options: Any) -> StagedTask:
    """A registered staged task by name, or one declared in a YAML/JSON file."""
    if isinstance(ref, StagedTask):
        return ref
    if str(ref) in _STAGED:
        return _STAGED[str(ref)](**options)
    path = Path(ref)
    if path.suffix in DECLARED_SUFFIXES:
        from search.staged.declared import load_declared

        return load_declared(path, **options)
    raise UnknownStagedTask(str(ref), list_staged_tasks())
