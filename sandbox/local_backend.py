"""The ``local`` backend: a subprocess with resource limits in a temporary folder. NOT isolated.

For machines without Docker, and only when the user asks for it by name. The code runs as the
calling user with the host's file system and network; rlimits bound memory (address space),
file size, CPU time and (for non-root users) processes. Every result is labelled
``isolated=False`` and carries the event ``not_isolated``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sandbox._output import CappedBuffer
from sandbox._proc import DRAIN_S, process_exit
from sandbox.backend import SandboxBackend, SandboxHandle, register_backend
from sandbox.errors import SandboxError
from sandbox.types import MODEL_SOCKET_NAME, ExecResult, LimitHit, Limits, SandboxConfig

READ_CHUNK = 65536
BASE_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "TZ")


def _user_process_count() -> int:
    """How many processes the current user runs now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                continue
    return count


def _rlimits(limits: Limits, timeout_s: float) -> list[tuple[int, int]]:
    mb = 1024 * 1024
    cpu = int(timeout_s * max(limits.cpus, 1.0)) + 1
    pairs = [
        (resource.RLIMIT_AS, limits.memory_mb * mb),
        (resource.RLIMIT_FSIZE, limits.disk_mb * mb),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_CORE, 0),
    ]
    if os.getuid() != 0:  # root ignores RLIMIT_NPROC; for others it counts every process
        pairs.append((resource.RLIMIT_NPROC, _user_process_count() + limits.pids))
    return pairs


def _preexec(pairs: list[tuple[int, int]]) -> None:
    for which, value in pairs:
        resource.setrlimit(which, (value, value))


async def _pump(stream: asyncio.StreamReader | None, buffer: CappedBuffer, over: asyncio.Event):
    if stream is None:
        return
    while chunk := await stream.read(READ_CHUNK):
        if buffer.feed(chunk):
            over.set()
            return


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _close_pipes(proc: asyncio.subprocess.Process) -> None:
    """Stop reading the command's pipes, so ``proc.wait()`` waits for the exit alone.

    On Python 3.11 ``Process.wait()`` also waits until every pipe is disconnected. A pipe whose
    reader was paused (its buffer full once the output cap was hit) or that a process outside
    the group still holds would never disconnect, and the exec would hang.
    """
    transport = getattr(proc, "_transport", None)
    for fd in (1, 2):
        pipe = transport.get_pipe_transport(fd) if transport is not None else None
        if pipe is not None and not pipe.is_closing():
            pipe.close()


@register_backend("local")
class LocalBackend(SandboxBackend):
    """A subprocess under rlimits in a temporary folder: convenient, and NOT isolated."""

    name = "local"
    isolated = False

    async def start(
        self,
        config: SandboxConfig,
        *,
        sandbox_id: str | None = None,
        model_dir: Path | None = None,
    ) -> SandboxHandle:
        if config.gpus:
            raise SandboxError("the local backend does not hand out GPUs; use the docker backend")
        sandbox_id = sandbox_id or SandboxHandle.new_id()
        workdir = tempfile.mkdtemp(prefix=f"rxlab-local-{sandbox_id}-")
        return SandboxHandle(sandbox_id, config, workdir, model_dir=model_dir)

    def _env(self, handle: SandboxHandle) -> dict[str, str]:
        env = {key: os.environ[key] for key in BASE_ENV_KEYS if key in os.environ}
        env.setdefault("PATH", os.defpath)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        env |= {"HOME": handle.workdir, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
        if handle.model_dir is not None:
            env["PYTHONPATH"] = str(handle.model_dir)
            env["RXLAB_LLM_SOCKET"] = str(handle.model_dir / MODEL_SOCKET_NAME)
        return env | handle.config.env

    async def exec(
        self, handle: SandboxHandle, cmd: list[str], *, timeout_s: float | None = None
    ) -> ExecResult:
        handle.check_alive()
        limits = handle.config.limits
        timeout = timeout_s or limits.timeout_s
        out, err = CappedBuffer(limits.output_bytes), CappedBuffer(limits.output_bytes)
        over = asyncio.Event()
        started = time.monotonic()
        try:
            proc = await asyncio.create_subprocess_exec(
                *cmd,
                cwd=handle.workdir,
                env=self._env(handle),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                preexec_fn=lambda: _preexec(_rlimits(limits, timeout)),
            )
        except OSError as exc:
            return ExecResult(
                exit_code=127, stdout="", stderr=f"{exc}\n", wall_s=time.monotonic() - started
            )
        limit = await self._wait(proc, out, err, over, timeout)
        _kill_group(proc.pid)  # background children do not outlive the exec
        _close_pipes(proc)
        code = await proc.wait()
        return self._result(code, limit, out, err, time.monotonic() - started)

    async def _wait(
        self,
        proc: asyncio.subprocess.Process,
        out: CappedBuffer,
        err: CappedBuffer,
        over: asyncio.Event,
        timeout: float,
    ) -> LimitHit | None:
        pumps: asyncio.Future[Any] = asyncio.gather(
            _pump(proc.stdout, out, over), _pump(proc.stderr, err, over)
        )
        capped: asyncio.Future[Any] = asyncio.ensure_future(over.wait())
        exited = process_exit(proc.pid) or asyncio.ensure_future(proc.wait())
        done, _ = await asyncio.wait(
            {exited, capped}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if exited in done:  # what is still in the pipes; children holding them do not count
            await asyncio.wait({pumps}, timeout=DRAIN_S)
        limit: LimitHit | None = None
        if over.is_set():
            limit = "output"
        elif not done:
            limit = "timeout"
        if limit:
            _kill_group(proc.pid)
        for future in (capped, pumps, exited):
            future.cancel()
        await asyncio.gather(pumps, capped, exited, return_exceptions=True)
        return limit

    @staticmethod
    def _result(
        code: int, limit: LimitHit | None, out: CappedBuffer, err: CappedBuffer, wall: float
    ) -> ExecResult:
        events = ["not_isolated"]
        stderr = err.text()
        if limit is None and (code == -signal.SIGXFSZ or (code and "File too large" in stderr)):
            limit = "disk"  # Python ignores SIGXFSZ and raises EFBIG instead
        elif limit is None and code == -signal.SIGXCPU:
            limit = "timeout"
        elif limit is None and code != 0 and "MemoryError" in stderr:
            limit, events = "memory", [*events, "memory_error"]
        if limit:
            events.append(f"limit:{limit}")
        return ExecResult(
            exit_code=None if limit in ("timeout", "output") else code,
            stdout=out.text(),
            stderr=stderr,
            stdout_truncated=out.truncated,
            stderr_truncated=err.truncated,
            wall_s=wall,
            limit_hit=limit,
            events=events,
        )

    async def put_files(self, handle: SandboxHandle, files: Mapping[str, bytes]) -> None:
        handle.check_alive()
        root = Path(handle.workdir)
        for name, data in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    async def get_files(self, handle: SandboxHandle) -> dict[str, bytes]:
        from sandbox._files import read_dir

        return read_dir(Path(handle.workdir))

    async def stop(self, handle: SandboxHandle) -> None:
        handle.dead = handle.dead or "stopped"
        shutil.rmtree(handle.workdir, ignore_errors=True)
