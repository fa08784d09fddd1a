"""The component registry: ``@component("fuser")`` on a config class makes it nameable in YAML."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from search.components.base import ComponentBase

C = TypeVar("C", bound=type[ComponentBase])

_COMPONENTS: dict[str, type[ComponentBase]] = {}


def component(name: str) -> Callable[[C], C]:
    """Register a component class under ``name`` (its ``type`` in an architecture)."""

    def register(cls: C) -> C:
        if name in _COMPONENTS and _COMPONENTS[name] is not cls:
            raise ValueError(f"component {name!r} is registered twice")
        cls.kind = name
        _COMPONENTS[name] = cls
        return cls

    return register


def list_components() -> list[str]:
    return sorted(_COMPONENTS)


def component_class(name: str) -> type[ComponentBase] | None:
    return _COMPONENTS.get(name)
