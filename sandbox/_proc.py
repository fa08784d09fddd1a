"""Knowing when a process exits without reaping it (a pidfd), so its children cannot delay us."""

from __future__ import annotations

import asyncio
import os
from typing import Any

DRAIN_S = 0.5  # after a command exits, how long its pipes may still be read


def process_exit(pid: int | None) -> asyncio.Future[Any] | None:
    """A future done when ``pid`` exits; None where pidfds are unavailable or pid is gone."""
    if not pid:
        return None
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def exited() -> None:
        if not future.done():
            future.set_result(None)

    def release(_: asyncio.Future[Any]) -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)

    loop.add_reader(pidfd, exited)
    future.add_done_callback(release)
    return future
