"""A registry of classes by name, filled by a decorator: ``@component("fuser")``, ``@task(...)``.

Each registry is made once, at import, by the module that owns the kind of thing it holds;
registering a second class under a taken name is an error, registering the same class again
is not (a module re-imported in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
C = TypeVar("C", bound=type[Any])


class Registry(Generic[T]):
    """Classes derived from ``T`` by name; ``register`` also sets ``cls.<attr> = name``."""

    def __init__(self, what: str, attr: str) -> None:
        self.what = what
        self.attr = attr
        self._classes: dict[str, type[T]] = {}

    def register(self, name: str) -> Callable[[C], C]:
        def add(cls: C) -> C:
            taken = self._classes.get(name)
            if taken is not None and taken is not cls:
                raise ValueError(f"{self.what} {name!r} is registered twice ({taken} and {cls})")
            setattr(cls, self.attr, name)
            self._classes[name] = cls
            return cls

        return add

    def names(self) -> list[str]:
        return sorted(self._classes)

    def get(self, name: str) -> type[T] | None:
        return self._classes.get(name)
