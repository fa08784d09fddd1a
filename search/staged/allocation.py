"""An allocation: for each stage of a staged task, a model, a sample count and a temperature,
or a whole architecture for the stage. YAML or JSON:

    name: plan4-solve8
    model: local/smollm2-135m          # for stages that name none
    stages:
      plan:  {samples: 4, temperature: 0.3}
      solve: {samples: 8}
      check: {samples: 0}              # an optional stage, skipped
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from search.architecture import Architecture
from search.errors import ArchitectureError
from search.staged.errors import AllocationError

if TYPE_CHECKING:
    from search.staged.task import StagedTask


class StageAllocation(BaseModel):
    """What one stage gets: a model and ``samples`` at ``temperature``, or an architecture."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = None
    samples: int = Field(1, ge=0, le=128)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    architecture: dict[str, Any] | None = None


@dataclass(frozen=True)
class Resolved:
    """A stage's allocation with the defaults filled in and checked against the task."""

    stage: str
    model: str
    samples: int
    temperature: float
    architecture: Architecture | None = None

    @property
    def skipped(self) -> bool:
        return self.samples == 0 and self.architecture is None


class Allocation(BaseModel):
    """Per stage, what it gets. ``resolve`` checks it against a task before anything runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "allocation"
    model: str | None = None
    stages: dict[str, StageAllocation]

    @classmethod
    def from_spec(cls, spec: Any) -> Allocation:
        if isinstance(spec, Allocation):
            return spec
        if not isinstance(spec, dict) or not isinstance(spec.get("stages"), dict):
            raise AllocationError(
                "an allocation is a mapping with `stages:` (stage name -> {model, samples, "
                f"temperature}}); got {str(spec)[:80]!r}"
            )
        try:
            return cls.model_validate(spec)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = [str(p) for p in first["loc"]]
            stage = loc[1] if len(loc) > 1 and loc[0] == "stages" else None
            field = loc[2] if stage and len(loc) > 2 else ".".join(loc)
            raise AllocationError(
                f"{first['msg']} (got {first.get('input')!r})", stage=stage, field=field
            ) from None

    @classmethod
    def from_text(cls, text: str) -> Allocation:
        import yaml

        try:
            return cls.from_spec(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise AllocationError(f"not valid JSON or YAML: {exc}") from None

    @classmethod
    def load(cls, path: str | Path) -> Allocation:
        path = Path(path)
        if not path.is_file():
            raise AllocationError(f"allocation file {path} does not exist")
        return cls.from_text(path.read_text())

    def to_spec(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_spec(), sort_keys=False)

    def resolve(self, task: StagedTask, default_model: str | None = None) -> list[Resolved]:
        """Every stage of ``task`` in order, with models and temperatures filled in."""
        names = task.stage_names()
        unknown = sorted(set(self.stages) - set(names))
        if unknown:
            raise AllocationError(
                f"the task {task.label!r} has no such stage; its stages are {names}",
                stage=unknown[0],
            )
        return [self._resolve_stage(task, name, default_model) for name in names]

    def _resolve_stage(self, task: StagedTask, name: str, default_model: str | None) -> Resolved:
        stage = task.stage(name)
        given = self.stages.get(name)
        if given is None:
            raise AllocationError(
                f"the allocation gives nothing for this stage; add e.g. `{name}: {{samples: 1}}`",
                stage=name,
            )
        model = given.model or self.model or default_model
        skipped = given.samples == 0 and given.architecture is None
        if model is None and skipped:
            model = ""
        if model is None:
            raise AllocationError(
                "no model: give `model:` for the stage or the allocation", stage=name, field="model"
            )
        if skipped and not stage.optional:
            raise AllocationError(
                "0 samples, but this stage is not optional; give at least 1",
                stage=name,
                field="samples",
            )
        arch = None
        if given.architecture is not None:
            if stage.kind != "generate":
                raise AllocationError(
                    "only generate stages take an architecture", stage=name, field="architecture"
                )
            try:
                arch = Architecture.from_spec(given.architecture)
            except ArchitectureError as exc:
                raise AllocationError(str(exc), stage=name, field="architecture") from None
        temperature = given.temperature if given.temperature is not None else stage.temperature
        return Resolved(name, model, given.samples, temperature, arch)

    def key(self) -> str:
        """A canonical string: equal for allocations that run the same way."""
        norm: dict[str, dict[str, Any]] = {}
        for name, given in sorted(self.stages.items()):
            if given.samples == 0 and given.architecture is None:
                norm[name] = {"samples": 0}
            else:
                norm[name] = given.model_dump(mode="json", exclude_none=True)
                norm[name].setdefault("model", self.model)
        return json.dumps(norm, sort_keys=True)

    def describe(self) -> str:
        """One line: ``plan=smollm2-135m x4 @0.3, solve=... x8, check=skip``."""
        parts = []
        for name, given in self.stages.items():
            if given.architecture is not None:
                parts.append(f"{name}=architecture")
            elif given.samples == 0:
                parts.append(f"{name}=skip")
            else:
                model = (given.model or self.model or "default").split("/")[-1]
                temp = "" if given.temperature is None else f" @{given.temperature:g}"
                parts.append(f"{name}={model} x{given.samples}{temp}")
        return ", ".join(parts)
