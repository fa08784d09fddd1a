"""The architecture language: layers of components, as JSON or YAML.

    name: vote-8
    layers:
      - - {type: generator, samples: 8, temperature: 0.7}
      - - {type: vote}

A layer is a list of components (or one component as a mapping). Components of one layer run
concurrently on the same input and their candidates are concatenated. Every error names the
layer, the component and the field, and is raised before any model call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from search.components import ComponentBase, component_class, list_components
from search.errors import ArchitectureError


def _component(spec: Any, layer: int, index: int) -> ComponentBase:
    if isinstance(spec, ComponentBase):
        return spec
    if not isinstance(spec, dict):
        raise ArchitectureError(
            f"a component must be a mapping with a 'type', got {spec!r}", layer=layer, index=index
        )
    kind = spec.get("type")
    if not isinstance(kind, str):
        raise ArchitectureError(
            f"missing 'type'; use one of {', '.join(list_components())}",
            layer=layer,
            component="?",
            index=index,
            field="type",
        )
    cls = component_class(kind)
    if cls is None:
        raise ArchitectureError(
            f"unknown component {kind!r}; known components: {', '.join(list_components())}",
            layer=layer,
            component=kind,
            index=index,
            field="type",
        )
    try:
        return cls.model_validate({k: v for k, v in spec.items() if k != "type"})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise ArchitectureError(
            f"{first['msg']} (got {first.get('input')!r})",
            layer=layer,
            component=kind,
            index=index,
            field=field,
        ) from None


def _check_layers(layers: list[list[ComponentBase]]) -> None:
    if not layers:
        raise ArchitectureError("an architecture needs at least one layer")
    has_tests = False
    for i, layer in enumerate(layers):
        if not layer:
            raise ArchitectureError("a layer needs at least one component", layer=i)
        kinds = {c.kind for c in layer}
        if len(kinds) > 1:
            raise ArchitectureError(
                f"one layer holds components of one kind, got {sorted(kinds)}; put them in "
                "separate layers",
                layer=i,
            )
        first = layer[0]
        if len(layer) > 1 and not first.parallel:
            raise ArchitectureError(
                f"only one {first.kind} fits in a layer (several are allowed for generator, "
                "fuser and unit_test_generator)",
                layer=i,
                component=first.kind,
                index=1,
            )
        if first.needs_candidates and not any(
            c.kind in ("generator", "fuser") for lay in layers[:i] for c in lay
        ):
            raise ArchitectureError(
                f"{first.kind} needs candidates, but no generator comes before it",
                layer=i,
                component=first.kind,
                index=0,
            )
        if first.kind == "unit_test_evaluator" and not has_tests:
            raise ArchitectureError(
                "unit_test_evaluator needs a unit_test_generator in an earlier layer",
                layer=i,
                component=first.kind,
                index=0,
            )
        has_tests = has_tests or first.kind == "unit_test_generator"


class Architecture(BaseModel):
    """A validated architecture: a name and layers of component configs."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str = "architecture"
    layers: list[list[ComponentBase]] = Field(default_factory=list)

    @classmethod
    def from_spec(cls, spec: Any) -> Architecture:
        """Build from a parsed JSON/YAML mapping; raise ``ArchitectureError`` when malformed."""
        if not isinstance(spec, dict) or "layers" not in spec:
            raise ArchitectureError(
                "an architecture is a mapping with 'layers' (a list of layers, each a list of "
                f"components such as {{type: generator, samples: 4}}); got {str(spec)[:80]!r}"
            )
        unknown = set(spec) - {"name", "layers", "description"}
        if unknown:
            raise ArchitectureError(f"unknown top-level keys {sorted(unknown)}; use name, layers")
        raw = spec["layers"]
        if not isinstance(raw, list):
            raise ArchitectureError(f"'layers' must be a list, got {type(raw).__name__}")
        layers = []
        for i, layer in enumerate(raw):
            items = layer if isinstance(layer, list) else [layer]
            layers.append([_component(c, i, j) for j, c in enumerate(items)])
        _check_layers(layers)
        return cls(name=str(spec.get("name", "architecture")), layers=layers)

    @classmethod
    def from_text(cls, text: str) -> Architecture:
        import yaml

        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ArchitectureError(f"not valid JSON or YAML: {exc}") from None
        return cls.from_spec(spec)

    @classmethod
    def load(cls, path: str | Path) -> Architecture:
        return cls.from_text(Path(path).read_text())

    def to_spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "layers": [[c.describe() for c in layer] for layer in self.layers],
        }

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_spec(), sort_keys=False)

    def to_json(self) -> str:
        return json.dumps(self.to_spec())

    def models(self, default_model: str) -> list[tuple[int, int, str, str]]:
        """(layer, index, kind, model) for every model the architecture calls."""
        out = []
        for i, layer in enumerate(self.layers):
            for j, comp in enumerate(layer):
                if "model" in type(comp).model_fields:
                    out.append((i, j, comp.kind, getattr(comp, "model", None) or default_model))
        return out

    def check_models(self, gateway: Any, default_model: str) -> None:
        """Raise ``ArchitectureError`` for a model the gateway cannot call (nothing is sent)."""
        from kernels import GatewayError

        for i, j, kind, model in self.models(default_model):
            try:
                gateway.check_model(model)
            except (GatewayError, ValueError) as exc:
                raise ArchitectureError(
                    str(exc), layer=i, component=kind, index=j, field="model"
                ) from None

    def max_samples(self) -> int:
        return max((getattr(c, "samples", 1) for lay in self.layers for c in lay), default=1)


def single_call(
    model: str | None = None, temperature: float = 0.7, max_tokens: int = 64
) -> Architecture:
    """The baseline: one generator, one sample."""
    gen = {"type": "generator", "samples": 1, "temperature": temperature, "max_tokens": max_tokens}
    if model:
        gen["model"] = model
    return Architecture.from_spec({"name": "single-call", "layers": [[gen]]})
