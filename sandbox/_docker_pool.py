"""A warm pool: containers started ahead of need, each used by one sandbox only, then removed.

Starting a container is most of a fresh sandbox's cost; the pool starts the next ones while the
current one runs, and removes used ones in the background. A container is never reused, so no
run can see another's files or processes. Sandboxes with a model socket (a per-sandbox mount)
never come from the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from sandbox.types import SandboxConfig

StartContainer = Callable[[SandboxConfig], Any]  # blocking: create and start, return container
RemoveContainer = Callable[[Any], None]  # blocking


class WarmPool:
    """Up to ``size`` started containers per sandbox config, ready for ``take``."""

    def __init__(self, size: int, start: StartContainer, remove: RemoveContainer) -> None:
        self.size = size
        self._start = start
        self._remove = remove
        self._ready: dict[str, list[asyncio.Future[Any]]] = {}
        self._removals: set[asyncio.Future[None]] = set()

    @staticmethod
    def key(config: SandboxConfig) -> str:
        return config.model_dump_json()

    async def take(self, config: SandboxConfig) -> Any:
        """A started container for ``config``; the pool refills itself behind it."""
        queue = self._ready.setdefault(self.key(config), [])
        while len(queue) < self.size + 1:
            queue.append(asyncio.ensure_future(asyncio.to_thread(self._start, config)))
        return await queue.pop(0)

    def discard(self, container: Any) -> None:
        """Remove a used container in the background (``close`` waits for it)."""
        removal = asyncio.ensure_future(asyncio.to_thread(self._remove, container))
        self._removals.add(removal)
        removal.add_done_callback(self._removals.discard)

    async def close(self) -> None:
        """Remove every waiting container and wait for the background removals."""
        waiting = [future for queue in self._ready.values() for future in queue]
        self._ready.clear()
        for container in await asyncio.gather(*waiting, return_exceptions=True):
            if not isinstance(container, BaseException):
                self.discard(container)
        with contextlib.suppress(Exception):
            await asyncio.gather(*list(self._removals), return_exceptions=True)
