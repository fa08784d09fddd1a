"""Knowing when a process exits without reaping it (a pidfd), so its children cannot delay us."""

from __future__ import annotations

import asyncio
import os
from typing import Any

DRAIN_S = 0.5  # after a command exits, how long its pipes may still be read


def process_exit(pid: int | None) -> asyncio.Future[Any] | None:
    """A future done when ``pid`` exits (at once if it is already gone); None where pidfds
    are unavailable. A process that exits fast may be reaped by asyncio's child watcher before
    we look: waiting on ``Process.wait()`` instead would, on Python 3.11, also wait for every
    process still holding its pipes."""
    if not pid:
        return None
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:  # it already exited and was reaped: it is done
        future.set_result(None)
        return future
    except (AttributeError, OSError):
        return None

    def exited() -> None:
        if not future.done():
            future.set_result(None)

    def release(_: asyncio.Future[Any]) -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)

    loop.add_reader(pidfd, exited)
    future.add_done_callback(release)
    return future
