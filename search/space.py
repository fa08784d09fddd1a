"""Search spaces: which components, how many layers, models, sample counts, temperatures.

    name: arith-default
    layers:
      - name: generate
        choices:
          - {type: generator, samples: [1, 2, 4, 8], temperature: [0.0, 0.7, 1.0], max_tokens: 8}
      - name: aggregate
        choices: [none, {type: vote}]

A slot (one entry of ``layers``) becomes one layer of ``count`` components of one chosen kind,
or no layer when ``none`` is chosen. A field is fixed (a scalar), a choice (a list) or a range
(``{low, high, log, step}``). ``suggest`` turns an optuna trial into an ``Architecture``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from search.architecture import Architecture
from search.components import component_class, list_components
from search.errors import ArchitectureError, SpaceError

NONE = "none"
MAX_ENUMERATED = 512


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: float
    high: float
    log: bool = False
    step: float | None = None
    integer: bool = False


class Choice(BaseModel):
    """One option of a slot: a component type and its fields (fixed, choice or range)."""

    model_config = ConfigDict(extra="allow")
    type: str
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.type

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in (self.model_extra or {}).items()}


class Slot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    count: int | list[int] = 1
    choices: list[Choice | str]

    @field_validator("choices")
    @classmethod
    def _non_empty(cls, value: list[Choice | str]) -> list[Choice | str]:
        if not value:
            raise ValueError("a slot needs at least one choice")
        for c in value:
            if isinstance(c, str) and c != NONE:
                raise ValueError(
                    f"a choice is a mapping with a 'type' or the word 'none', got {c!r}"
                )
        return value

    def labels(self) -> list[str]:
        return [NONE if isinstance(c, str) else c.label for c in self.choices]

    def counts(self) -> list[int]:
        return self.count if isinstance(self.count, list) else [self.count]


def _as_range(value: Any) -> Range | None:
    return Range.model_validate(value) if isinstance(value, dict) else None


def _values(value: Any) -> list[Any]:
    """Every value a field can take that matters for pricing: lists as given, ranges' ends."""
    rng = _as_range(value)
    if rng is not None:
        return [rng.low, rng.high]
    return list(value) if isinstance(value, list) else [value]


def _cheapest(value: Any) -> Any:
    values = _values(value)
    numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return min(numeric) if len(numeric) == len(values) else values[0]


class SearchSpace(BaseModel):
    """A declared search space; ``suggest(trial)`` samples one architecture from it."""

    model_config = ConfigDict(extra="forbid")
    name: str = "space"
    task: str | None = None
    model: str | None = Field(None, description="default model of every component")
    description: str = ""
    baseline: dict[str, Any] = Field(default_factory=lambda: {"temperature": 0.7})
    trials: int | None = Field(None, ge=1, description="trials a search needs by default")
    layers: list[Slot]

    # --- loading and checks ---------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: Any) -> SearchSpace:
        from pydantic import ValidationError

        try:
            space = cls.model_validate(spec)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise SpaceError(f"search space error at {where}: {first['msg']}") from None
        space.check()
        return space

    @classmethod
    def load(cls, path: str | Path) -> SearchSpace:
        import yaml

        path = Path(path)
        if not path.is_file():
            raise SpaceError(f"search space file {path} does not exist; see search/spaces/*.yaml")
        try:
            spec = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise SpaceError(f"{path} is not valid YAML: {exc}") from None
        return cls.from_spec(spec)

    def check(self) -> None:
        """Every choice names a known component and every field value is valid for it."""
        for slot in self.layers:
            for choice in slot.choices:
                if isinstance(choice, str):
                    continue
                if component_class(choice.type) is None:
                    raise SpaceError(
                        f"slot {slot.name!r}: unknown component {choice.type!r}; known: "
                        f"{', '.join(list_components())}"
                    )
                fields = choice.fields()
                base = {k: _cheapest(v) for k, v in fields.items()}
                for key, value in fields.items():
                    for v in _values(value):
                        self._component({**base, key: v}, choice, slot)
        for combo in self._structures():
            self._build(combo)

    def _component(self, fields: dict[str, Any], choice: Choice, slot: Slot) -> dict[str, Any]:
        spec = {"type": choice.type, **fields}
        cls = component_class(choice.type)
        if self.model and "model" not in spec and cls is not None and "model" in cls.model_fields:
            spec["model"] = self.model
        try:
            Architecture.from_spec({"layers": [[{"type": "generator"}], [spec]]})
        except ArchitectureError as exc:
            if "needs" not in str(exc):
                raise SpaceError(f"slot {slot.name!r}, choice {choice.label!r}: {exc}") from None
        return spec

    def _structures(self) -> list[list[tuple[Slot, Choice | str, int]]]:
        options = [[(s, c, min(s.counts())) for c in s.choices] for s in self.layers]
        return [
            list(combo) for combo in itertools.islice(itertools.product(*options), MAX_ENUMERATED)
        ]

    def _build(
        self, combo: list[tuple[Slot, Choice | str, int]], name: str = "cheapest"
    ) -> Architecture:
        layers = []
        for slot, choice, count in combo:
            if isinstance(choice, str):
                continue
            fields = {k: _cheapest(v) for k, v in choice.fields().items()}
            layers.append([self._component(fields, choice, slot) for _ in range(count)])
        try:
            return Architecture.from_spec({"name": name, "layers": layers})
        except ArchitectureError as exc:
            picked = ", ".join(
                f"{s.name}={c if isinstance(c, str) else c.label}" for s, c, _ in combo
            )
            raise SpaceError(
                f"the space allows an invalid architecture ({picked}): {exc}"
            ) from None

    # --- what a search needs --------------------------------------------------------------
    def cheapest_candidates(self) -> list[Architecture]:
        """Every structure with every field at its cheapest value (to price the cheapest trial)."""
        return [self._build(combo) for combo in self._structures()]

    def max_samples(self) -> int:
        """The largest sample count any generator in the space asks for (replay draws this many)."""
        best = 1
        for slot in self.layers:
            for choice in slot.choices:
                if isinstance(choice, Choice) and choice.type == "generator":
                    samples = choice.fields().get("samples", 1)
                    best = max(best, *[int(v) for v in _values(samples)])
        return best

    def baseline_architecture(self) -> Architecture:
        spec: dict[str, Any] = {"type": "generator", "samples": 1, **self.baseline}
        if self.model and "model" not in spec:
            spec["model"] = self.model
        return Architecture.from_spec({"name": "single-call", "layers": [[spec]]})

    def self_consistency_params(self) -> dict[str, Any]:
        """Optuna params for the usual first guess, self-consistency: generators with the most
        samples at the highest listed temperature, then a vote where a slot offers one. Params
        it does not fix are left to the sampler (``study.enqueue_trial`` takes partial ones)."""
        params: dict[str, Any] = {}
        for slot in self.layers:
            labels = slot.labels()
            picked = "vote" if "vote" in labels else "generator" if "generator" in labels else None
            if picked is None:
                continue
            if len(labels) > 1:
                params[f"{slot.name}.type"] = picked
            choice = next(c for c in slot.choices if isinstance(c, Choice) and c.label == picked)
            if max(slot.counts()) > 1:
                continue  # several components in the slot: leave them to the sampler
            for key in ("samples", "temperature"):
                value = choice.fields().get(key)
                if isinstance(value, list) and len(value) > 1:
                    params[f"{slot.name}.{picked}.{key}"] = max(value)
        return params

    def suggest(self, trial: Any) -> Architecture:
        """One architecture from an optuna trial (or ``optuna.trial.FixedTrial``)."""
        layers, parts = [], []
        for slot in self.layers:
            labels = slot.labels()
            label = (
                trial.suggest_categorical(f"{slot.name}.type", labels)
                if len(labels) > 1
                else labels[0]
            )
            if label == NONE:
                continue
            choice = next(c for c in slot.choices if isinstance(c, Choice) and c.label == label)
            counts = slot.counts()
            count = (
                trial.suggest_categorical(f"{slot.name}.count", counts)
                if len(counts) > 1
                else counts[0]
            )
            layer, tags = [], []
            for j in range(count):
                prefix = f"{slot.name}.{label}" + (f".{j}" if max(counts) > 1 else "")
                fields = {
                    k: _suggest(trial, f"{prefix}.{k}", v) for k, v in choice.fields().items()
                }
                layer.append(self._component(fields, choice, slot))
                tags.append(_tag(label, fields, choice))
            layers.append(layer)
            parts.append(tags[0] if count == 1 else f"[{' | '.join(tags)}]")
        return Architecture.from_spec({"name": "+".join(parts) or "empty", "layers": layers})

    def describe(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def _tag(label: str, fields: dict[str, Any], choice: Choice) -> str:
    """``generator(samples=8, temperature=0.7)``: the label and the values the trial picked."""
    picked = [
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in fields.items()
        if _varies(choice.fields()[k])
    ]
    return f"{label}({', '.join(picked)})" if picked else label


def _varies(value: Any) -> bool:
    """Whether a search picks this field (a list of several values or a range)."""
    return _as_range(value) is not None or (isinstance(value, list) and len(value) > 1)


def _suggest(trial: Any, name: str, value: Any) -> Any:
    rng = _as_range(value)
    if rng is not None:
        if rng.integer:
            return trial.suggest_int(name, int(rng.low), int(rng.high), log=rng.log)
        return trial.suggest_float(name, rng.low, rng.high, log=rng.log, step=rng.step)
    if isinstance(value, list):
        return trial.suggest_categorical(name, value) if len(value) > 1 else value[0]
    return value


def bundled_space(name: str) -> Path:
    """The path of a space shipped in ``search/spaces`` (``arith`` -> ``arith.yaml``)."""
    from importlib.resources import files

    path = Path(str(files("search") / "spaces" / f"{name}.yaml"))
    if not path.is_file():
        raise SpaceError(f"no bundled search space {name!r}; see search/spaces/")
    return path


def resolve_space(ref: str | Path) -> SearchSpace:
    """A space from a file path, or a bundled space by name."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml", ".json") or path.exists():
        return SearchSpace.load(path)
    return SearchSpace.load(bundled_space(str(ref)))
