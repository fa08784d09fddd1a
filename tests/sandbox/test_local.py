"""The local backend passes the conformance class, and says everywhere that it does not isolate."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sandbox import Limits, SandboxConfig, get_backend, run_in_sandbox
from sandbox.backend import SandboxHandle
from tests.sandbox.conformance import BackendConformance


class TestLocalConformance(BackendConformance):
    backend_name = "local"
    isolated = False

    def assert_nothing_left(self, handle: SandboxHandle) -> None:
        assert not Path(handle.workdir).exists()


async def test_every_result_is_labelled_not_isolated() -> None:
    ev = await run_in_sandbox(["true"], backend="local")
    assert ev.isolated is False and ev.backend == "local"
    assert "not_isolated" in ev.events


async def test_a_file_past_the_disk_limit_is_stopped() -> None:
    config = SandboxConfig(limits=Limits(disk_mb=1))
    code = "open('big', 'wb').write(b'0' * (4 * 1024 * 1024))"
    ev = await run_in_sandbox(["python3", "-c", code], backend="local", config=config)
    assert ev.limit_hit == "disk"


async def test_memory_past_the_limit_is_reported() -> None:
    config = SandboxConfig(limits=Limits(memory_mb=200))
    code = "x = bytearray(400 * 1024 * 1024)"
    ev = await run_in_sandbox(["python3", "-c", code], backend="local", config=config)
    assert ev.limit_hit == "memory" and "MemoryError" in ev.stderr


async def test_output_cap_returns_while_an_escaped_process_holds_the_pipe() -> None:
    # The reader pauses once the cap is hit and `setsid` keeps stdout open past the group kill:
    # on Python 3.11 `Process.wait()` waited for that pipe forever (CI hung 900 s on this).
    config = SandboxConfig(limits=Limits(output_bytes=10_000, timeout_s=30))
    ev = await asyncio.wait_for(
        run_in_sandbox(["sh", "-c", "setsid sleep 8 & yes"], backend="local", config=config),
        timeout=20,
    )
    assert ev.limit_hit == "output" and len(ev.stdout) == 10_000
    assert ev.wall_s < 5


async def test_a_process_already_reaped_counts_as_exited() -> None:
    # asyncio's child watcher can reap a fast command before the backend looks at it; falling
    # back to Process.wait() then waited for every process still holding the pipes (CI: 4 s)
    from sandbox._proc import process_exit

    proc = await asyncio.create_subprocess_exec("true")
    await proc.wait()
    exited = process_exit(proc.pid)
    assert exited is not None and exited.done()


def test_backends_are_created_by_name() -> None:
    assert type(get_backend("local")).__name__ == "LocalBackend"
    assert get_backend("local").isolated is False
