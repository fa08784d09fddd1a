"""One ``docker exec`` read on its own thread: stdin in, capped stdout/stderr out, abortable.

The docker SDK blocks, so each exec gets a thread that feeds stdin, reads the multiplexed
stream into capped buffers and stops reading as soon as a cap is crossed. The event loop waits
on it with a timeout and can close the socket to end it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from typing import Any, Literal

from sandbox._output import CappedBuffer
from sandbox._proc import DRAIN_S

STDOUT, STDERR = 1, 2
POLL_S = 0.05
MAX_POLL_S = 0.25
ExecEnd = Literal["ended", "timeout", "output", "left_behind"]


class ExecStream:
    """A started exec: ``await wait(timeout)``, then ``exit_code()``; ``abort()`` ends reading."""

    def __init__(
        self,
        api: Any,
        container_id: str,
        cmd: list[str],
        *,
        user: str,
        workdir: str,
        out_cap: int,
        err_cap: int,
        stdin: bytes | None = None,
    ) -> None:
        self.api = api
        self.container_id = container_id
        self.stdout = CappedBuffer(out_cap)
        self.stderr = CappedBuffer(err_cap)
        self.over_cap = False
        self.error: BaseException | None = None
        self._stdin = stdin
        self._exec_id = api.exec_create(
            container_id,
            cmd,
            stdout=True,
            stderr=True,
            stdin=stdin is not None,
            user=user,
            workdir=workdir,
        )["Id"]
        self._sock: Any = None
        self._raw_sock: Any = None
        self._done = threading.Event()

    def open(self) -> None:
        """Start the command and attach to it (blocking: call it on a worker thread)."""
        self._sock = self.api.exec_start(self._exec_id, socket=True)
        self._raw_sock = getattr(self._sock, "_sock", self._sock)

    def start(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        """Read the opened exec on a thread of its own; the future is done at end of output."""
        future: asyncio.Future[None] = loop.create_future()

        def settle() -> None:
            if not future.done():
                future.set_result(None)

        def run() -> None:
            try:
                self._pump()
            except BaseException as exc:  # reported to the waiting coroutine, never lost
                self.error = exc
            finally:
                self._done.set()
                loop.call_soon_threadsafe(settle)

        threading.Thread(target=run, name="rxlab-sandbox-exec", daemon=True).start()
        return future

    def _raw(self) -> socket.socket:
        return self._raw_sock

    def _pump(self) -> None:
        from docker.utils.socket import frames_iter

        if self._stdin is not None:
            raw = self._raw()
            raw.sendall(self._stdin)
            raw.shutdown(socket.SHUT_WR)
        for stream, data in frames_iter(self._sock, tty=False):
            buffer = self.stderr if stream == STDERR else self.stdout
            if buffer.feed(data):
                self.over_cap = True
                return

    def abort(self) -> None:
        """Stop reading (the process itself is killed by the caller)."""
        with contextlib.suppress(OSError, AttributeError):
            self._raw().shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self._sock.close()
            self._raw_sock.close()

    def finished(self, timeout: float = 0.0) -> bool:
        return self._done.wait(timeout)

    def exit_code(self, wait_s: float = 2.0) -> int | None:
        """The exit code once the engine has seen the process end (None if it still runs)."""
        return exec_exit_code(self.api, self._exec_id, wait_s)

    def running(self) -> bool:
        return bool(self.api.exec_inspect(self._exec_id).get("Running"))


def exec_exit_code(api: Any, exec_id: str, wait_s: float) -> int | None:
    """Poll an exec until the engine reports it ended, for at most ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        info = api.exec_inspect(exec_id)
        if not info.get("Running"):
            return info.get("ExitCode")
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_S)


def run_detached(
    api: Any, container_id: str, cmd: list[str], user: str, wait_s: float
) -> int | None:
    """Run a helper command without attaching to it (nothing to block on); its exit code."""
    exec_id = api.exec_create(container_id, cmd, user=user)["Id"]
    api.exec_start(exec_id, detach=True)
    return exec_exit_code(api, exec_id, wait_s)


async def _exited(stream: ExecStream) -> None:
    """Done when the engine reports the command ended (its output may still be open)."""
    delay = POLL_S / 2
    while await asyncio.to_thread(stream.running):
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_POLL_S)


async def run_exec(stream: ExecStream, timeout: float, *, watch_exit: bool = True) -> ExecEnd:
    """Start ``stream`` and wait for it, at most ``timeout`` seconds.

    With ``watch_exit``, the exec counts as ended when the engine sees its command exit
    even if processes it left behind still hold its output open: that is ``left_behind``.
    """
    await asyncio.to_thread(stream.open)
    reader = stream.start(asyncio.get_running_loop())
    exited = asyncio.ensure_future(_exited(stream)) if watch_exit else None
    waiting: set[asyncio.Future[Any]] = {reader} if exited is None else {reader, exited}
    try:
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when="FIRST_COMPLETED")
        if reader not in done and exited in done:
            done, _ = await asyncio.wait({reader}, timeout=DRAIN_S)
            if not done:
                return "left_behind"
    finally:
        if exited is not None:
            exited.cancel()
    if stream.over_cap:
        return "output"
    return "ended" if reader.done() else "timeout"
