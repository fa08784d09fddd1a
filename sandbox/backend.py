"""The backend contract: start, exec, put/get files, stop; and a registry of backends by name.

A backend is an ABC with those five abstract methods and two lifecycle hooks with defaults
(``prepare`` before the first sandbox, ``close`` at the end), as Inspect's
``SandboxEnvironment`` and optuna's storages do. Backends register with ``@register_backend``
and are created by name with ``get_backend("docker")``; heavy imports happen inside them.
"""

from __future__ import annotations

import importlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from sandbox.errors import SandboxError
from sandbox.types import ExecResult, SandboxConfig

# Modules that register the built-in backends when imported.
BUILTIN_BACKEND_MODULES = ("sandbox.docker_backend", "sandbox.local_backend")


@dataclass
class SandboxHandle:
    """One started sandbox, as its backend knows it."""

    id: str
    config: SandboxConfig
    workdir: str  # where commands run and files go, as the command sees it
    model_dir: Path | None = None  # host folder with the model socket and client, if any
    state: dict[str, Any] = field(default_factory=dict)  # backend-private
    dead: str | None = None  # why the sandbox can no longer run commands

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex[:12]

    def check_alive(self) -> None:
        if self.dead:
            raise SandboxError(f"sandbox {self.id} can no longer run commands: {self.dead}")


class SandboxBackend(ABC):
    """Where untrusted code runs. Every result says whether the backend isolates it."""

    name: ClassVar[str]
    isolated: ClassVar[bool]

    async def prepare(self) -> None:  # noqa: B027 - a hook with a default on purpose
        """Once before the first sandbox (check the engine, clean stale sandboxes)."""

    async def close(self) -> None:  # noqa: B027 - a hook with a default on purpose
        """Release what the backend holds (pools, clients). Sandboxes are stopped already."""

    @abstractmethod
    async def start(
        self,
        config: SandboxConfig,
        *,
        sandbox_id: str | None = None,
        model_dir: Path | None = None,
    ) -> SandboxHandle:
        """Start a sandbox with an empty work folder; ``model_dir`` holds the model socket."""

    @abstractmethod
    async def exec(
        self, handle: SandboxHandle, cmd: list[str], *, timeout_s: float | None = None
    ) -> ExecResult:
        """Run ``cmd`` in the work folder under the limits; never raises for what the code did."""

    @abstractmethod
    async def put_files(self, handle: SandboxHandle, files: Mapping[str, bytes]) -> None:
        """Write files (relative paths, already checked) into the work folder."""

    @abstractmethod
    async def get_files(self, handle: SandboxHandle) -> dict[str, bytes]:
        """Every regular file in the work folder, keyed by relative path."""

    @abstractmethod
    async def stop(self, handle: SandboxHandle) -> None:
        """Stop the sandbox and remove everything it had; safe to call twice."""


BackendFactory = Callable[..., SandboxBackend]


@dataclass
class BackendRegistry:
    """Backends by name. ``BACKENDS`` is filled once at import by ``@register_backend``."""

    factories: dict[str, BackendFactory] = field(default_factory=dict)

    def add(self, name: str, factory: BackendFactory) -> None:
        if name in self.factories and self.factories[name] is not factory:
            raise SandboxError(f"a sandbox backend named {name!r} is registered already")
        self.factories[name] = factory


BACKENDS = BackendRegistry()


def register_backend(name: str) -> Callable[[type[SandboxBackend]], type[SandboxBackend]]:
    """Class decorator: make a backend creatable by ``get_backend(name)``."""

    def decorate(cls: type[SandboxBackend]) -> type[SandboxBackend]:
        BACKENDS.add(name, cls)
        return cls

    return decorate


def backend_names() -> list[str]:
    for module in BUILTIN_BACKEND_MODULES:
        importlib.import_module(module)
    return sorted(BACKENDS.factories)


def get_backend(name: str, **options: Any) -> SandboxBackend:
    """A new backend by name: ``docker`` (isolated) or ``local`` (NOT isolated)."""
    names = backend_names()
    if name not in BACKENDS.factories:
        raise SandboxError(f"unknown sandbox backend {name!r}; choose one of: {', '.join(names)}")
    return BACKENDS.factories[name](**options)
