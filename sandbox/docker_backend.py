"""The ``docker`` backend: one hardened container per sandbox, commands run with ``docker exec``.

The container's init (docker-init + ``sleep``) runs as a capability-less root so the sandbox
user (65534), which runs every command, cannot kill it. A limit hit ends the user's processes
with ``kill -9 -1``; when even that cannot run (a fork bomb holds every pid) the container is
killed and the sandbox is marked dead. Files move as tar streams through ``docker exec``
because the root file system is read-only and the work folder is a tmpfs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sandbox._cgroup import CgroupProbe
from sandbox._docker_config import create_kwargs, image_exists, remove_stale
from sandbox._docker_exec import ExecEnd, ExecStream, run_detached, run_exec
from sandbox._docker_pool import WarmPool
from sandbox._files import pack, unpack
from sandbox.backend import SandboxBackend, SandboxHandle, register_backend
from sandbox.errors import BackendUnavailable, SandboxError
from sandbox.types import DEFAULT_IMAGE, SANDBOX_USER, WORKDIR, ExecResult, LimitHit, SandboxConfig

KILL_GRACE_S = 3.0
KILL_ALL_USER_PROCESSES = ["sh", "-c", "kill -9 -1"]


def _disk_full(probe: CgroupProbe) -> bool:
    return any(probe.disk_full(path) for path in (WORKDIR, "/tmp"))


def _counters(probe: CgroupProbe | None) -> tuple[int, int, bool]:
    """OOM kills, pids-limit hits and a full disk before an exec, to see what it changed."""
    if probe is None:
        return (0, 0, False)
    return (probe.oom_kills(), probe.pids_max_hits(), _disk_full(probe))


@register_backend("docker")
class DockerBackend(SandboxBackend):
    """Hardened Docker containers through the docker SDK; ``isolated=True``."""

    name = "docker"
    isolated = True

    def __init__(self, image: str = DEFAULT_IMAGE, client: Any = None, pool_size: int = 0) -> None:
        """``pool_size`` > 0 keeps that many containers started ahead (a warm pool)."""
        self.image = image
        self._client = client
        self._prepared = False
        self.pool = WarmPool(pool_size, self._pooled, self._remove) if pool_size > 0 else None

    @property
    def client(self) -> Any:
        if self._client is None:
            import docker
            import docker.errors

            try:
                self._client = docker.from_env()
                self._client.ping()
            except docker.errors.DockerException as exc:
                self._client = None
                raise BackendUnavailable(
                    f"no Docker engine answers ({exc}); start dockerd (scripts/setup-system.sh "
                    "does) or use the 'local' backend, which does NOT isolate"
                ) from None
        return self._client

    async def prepare(self) -> None:
        if self._prepared:
            return
        await asyncio.to_thread(self._prepare_sync)
        self._prepared = True

    def _prepare_sync(self) -> None:
        if not image_exists(self.client, self.image):
            raise BackendUnavailable(
                f"the sandbox image {self.image} is missing; build it with "
                "`rxlab sandbox build-image` (or `python -m sandbox.image`)"
            )
        remove_stale(self.client)

    def remove_stale(self) -> list[str]:
        """Remove sandboxes whose owner process on this host is gone; returns their names."""
        return remove_stale(self.client)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        if self._client is not None:
            self._client.close()
            self._client = None
        self._prepared = False

    async def start(
        self,
        config: SandboxConfig,
        *,
        sandbox_id: str | None = None,
        model_dir: Path | None = None,
    ) -> SandboxHandle:
        await self.prepare()
        sandbox_id = sandbox_id or SandboxHandle.new_id()
        image = config.image or self.image
        handle = SandboxHandle(sandbox_id, config, WORKDIR, model_dir=model_dir)
        if self.pool is not None and model_dir is None:
            handle.state["container"] = await self.pool.take(config)
            handle.state["pooled"] = True
        else:
            handle.state["container"] = await asyncio.to_thread(
                self._start_sync, config, image, sandbox_id, model_dir
            )
        pid = handle.state["container"].attrs["State"]["Pid"]
        handle.state["probe"] = CgroupProbe.of(pid)
        return handle

    def _start_sync(
        self, config: SandboxConfig, image: str, sandbox_id: str, model_dir: Path | None
    ) -> Any:
        container = self.client.containers.create(
            **create_kwargs(self.client, config, image, sandbox_id, model_dir)
        )
        try:
            container.start()
            container.reload()
        except BaseException:
            container.remove(force=True)
            raise
        return container

    def _pooled(self, config: SandboxConfig) -> Any:
        return self._start_sync(config, config.image or self.image, SandboxHandle.new_id(), None)

    def _stream(
        self, handle: SandboxHandle, cmd: list[str], cap: int, stdin: bytes | None = None
    ) -> ExecStream:
        return ExecStream(
            self.client.api,
            handle.state["container"].id,
            cmd,
            user=SANDBOX_USER,
            workdir=handle.workdir,
            out_cap=cap,
            err_cap=cap,
            stdin=stdin,
        )

    async def exec(
        self, handle: SandboxHandle, cmd: list[str], *, timeout_s: float | None = None
    ) -> ExecResult:
        handle.check_alive()
        limits = handle.config.limits
        probe: CgroupProbe | None = handle.state.get("probe")
        before = _counters(probe)
        if probe:
            probe.reset_peak()
        started = time.monotonic()
        stream = await asyncio.to_thread(self._stream, handle, cmd, limits.output_bytes)
        end = await run_exec(stream, timeout_s or limits.timeout_s)
        wall = time.monotonic() - started
        if end != "ended":  # a limit, or processes left behind holding the output open
            await self._end_user_processes(handle, stream, end)
        code = await asyncio.to_thread(stream.exit_code) if not handle.dead else None
        stream.close()
        limit: LimitHit | None = end if end == "output" or end == "timeout" else None
        result = self._observe(
            handle,
            ExecResult(
                exit_code=None if limit else code,
                stdout=stream.stdout.text(),
                stderr=stream.stderr.text(),
                stdout_truncated=stream.stdout.truncated,
                stderr_truncated=stream.stderr.truncated,
                wall_s=wall,
                limit_hit=limit,
            ),
            before,
        )
        return await self._after(handle, stream, end, result)

    async def _after(
        self, handle: SandboxHandle, stream: ExecStream, end: ExecEnd, result: ExecResult
    ) -> ExecResult:
        """Note how the exec ended; end what a limit hit inside it left running."""
        if end == "left_behind":
            result.events.append("left_behind_processes_ended")
        elif end == "ended" and stream.error is not None:
            result.events.append(f"stream_error: {stream.error!r}")
        if result.limit_hit and end == "ended" and not handle.dead:
            # a fork bomb or a memory hog may have left processes behind: end them too
            await self._end_user_processes(handle, stream, result.limit_hit)
            if handle.dead:
                result.events.append("container_killed")
        return result

    async def _end_user_processes(
        self, handle: SandboxHandle, stream: ExecStream, why: str
    ) -> None:
        """``kill -9 -1`` as the sandbox user; kill the container if that does not end the run."""
        stream.abort()  # stop reading first, so a blocked output copy cannot stall the engine
        container_id = handle.state["container"].id
        try:
            killed = await asyncio.to_thread(
                run_detached,
                self.client.api,
                container_id,
                KILL_ALL_USER_PROCESSES,
                SANDBOX_USER,
                KILL_GRACE_S,
            )
        except Exception:  # the engine refuses the exec when no pid is left
            killed = None
        ended = killed == 0 and await asyncio.to_thread(stream.exit_code, KILL_GRACE_S) is not None
        if not ended:
            await asyncio.to_thread(self._kill_container, handle)
            handle.dead = f"killed: its processes did not end ({why})"

    def _kill_container(self, handle: SandboxHandle) -> None:
        import docker.errors

        with contextlib.suppress(docker.errors.APIError):
            handle.state["container"].kill()

    def _observe(
        self, handle: SandboxHandle, result: ExecResult, before: tuple[int, int, bool]
    ) -> ExecResult:
        """Add what the cgroup saw: peak memory, OOM kills, pids-limit hits, a full disk."""
        probe: CgroupProbe | None = handle.state.get("probe")
        events = list(result.events)
        hits: list[LimitHit] = []
        if probe is not None:
            if probe.oom_kills() > before[0]:
                events.append("oom_kill")
                hits.append("memory")
            if probe.pids_max_hits() > before[1]:
                events.append("pids_max")
                hits.append("pids")
            if _disk_full(probe) and not before[2]:
                events.append("disk_full")
                hits.append("disk")
        if handle.dead:
            events.append("container_killed")
        if result.limit_hit:
            hits.append(result.limit_hit)
        events += [f"limit:{hit}" for hit in hits]
        return result.model_copy(
            update={
                "peak_memory_bytes": probe.peak_memory() if probe else None,
                "limit_hit": hits[0] if hits else None,
                "events": events,
            }
        )

    async def put_files(self, handle: SandboxHandle, files: Mapping[str, bytes]) -> None:
        handle.check_alive()
        archive = pack(files)
        stream = await asyncio.to_thread(
            self._stream, handle, ["tar", "-x", "-C", handle.workdir, "-f", "-"], 64_000, archive
        )
        ended = await run_exec(stream, handle.config.limits.timeout_s, watch_exit=False)
        stream.close()
        code = await asyncio.to_thread(stream.exit_code)
        if ended != "ended" or code != 0:
            raise SandboxError(
                f"could not write {len(files)} files into sandbox {handle.id} "
                f"(exit {code}): {stream.stderr.text().strip()[:500]}"
            )

    async def get_files(self, handle: SandboxHandle) -> dict[str, bytes]:
        handle.check_alive()
        cap = 2 * handle.config.limits.disk_mb * 1024 * 1024 + 1024 * 1024
        stream = await asyncio.to_thread(
            self._stream, handle, ["tar", "-c", "-C", handle.workdir, "-f", "-", "."], cap
        )
        ended = await run_exec(stream, handle.config.limits.timeout_s, watch_exit=False)
        stream.close()
        if ended != "ended":
            raise SandboxError(f"could not read the files of sandbox {handle.id} in time")
        return unpack(stream.stdout.data())

    async def stop(self, handle: SandboxHandle) -> None:
        container = handle.state.get("container")
        handle.dead = handle.dead or "stopped"
        if container is None or handle.state.get("removed"):
            return
        handle.state["removed"] = True
        if handle.state.get("pooled") and self.pool is not None:
            self.pool.discard(container)  # removed in the background; close() waits for it
        else:
            await asyncio.to_thread(self._remove, container)

    @staticmethod
    def _remove(container: Any) -> None:
        import docker.errors

        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)
