"""The test class every sandbox backend must pass (as ``optuna.testing`` does for storages).

A backend's test module subclasses ``BackendConformance`` and sets ``backend_name``; a backend
with something to check after ``stop`` overrides ``assert_nothing_left``.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any, ClassVar

import pytest

from sandbox import Evidence, Limits, Sandbox, SandboxConfig, SandboxError, run_in_sandbox
from sandbox.backend import SandboxHandle

QUICK = SandboxConfig(limits=Limits(timeout_s=20, memory_mb=256, pids=32, output_bytes=10_000))


class BackendConformance:
    backend_name: ClassVar[str]
    isolated: ClassVar[bool]

    def assert_nothing_left(self, handle: SandboxHandle) -> None:
        """Backend-specific: nothing of the sandbox remains after ``stop``."""

    def sandbox(self, config: SandboxConfig = QUICK, **kwargs: Any) -> Sandbox:
        return Sandbox(self.backend_name, config, **kwargs)

    async def test_runs_a_command_and_reports_streams_and_exit_code(self) -> None:
        ev = await run_in_sandbox(
            ["python3", "-c", "import sys; print('out'); print('err', file=sys.stderr); exit(3)"],
            backend=self.backend_name,
            config=QUICK,
        )
        assert isinstance(ev, Evidence)
        assert (ev.exit_code, ev.stdout, ev.stderr) == (3, "out\n", "err\n")
        assert ev.limit_hit is None and not ev.ok
        assert 0 < ev.wall_s < 20
        assert ev.backend == self.backend_name and ev.isolated is self.isolated

    async def test_a_string_command_runs_in_a_shell_in_the_work_folder(self) -> None:
        async with self.sandbox() as box:
            await box.put_files({"data/in.txt": "seven"})
            ev = await box.exec("cat data/in.txt && echo ok")
        assert ev.ok and ev.stdout == "sevenok\n"

    async def test_files_in_and_out_are_hashed(self) -> None:
        code = "open('out.bin', 'wb').write(bytes(range(256)) * 3)"
        ev = await run_in_sandbox(
            ["python3", "main.py"],
            {"main.py": code, "sub/data.txt": b"\x00\x01payload"},
            backend=self.backend_name,
            config=QUICK,
        )
        assert ev.ok, ev.stderr
        sha = {f.path: f.sha256 for f in ev.files_in}
        assert sha == {
            "main.py": hashlib.sha256(code.encode()).hexdigest(),
            "sub/data.txt": hashlib.sha256(b"\x00\x01payload").hexdigest(),
        }
        out = {f.path: (f.size, f.sha256) for f in ev.files_out}
        blob = bytes(range(256)) * 3
        assert out["out.bin"] == (len(blob), hashlib.sha256(blob).hexdigest())
        assert set(out) == {"main.py", "sub/data.txt", "out.bin"}

    async def test_get_files_returns_what_the_code_wrote(self) -> None:
        async with self.sandbox() as box:
            await box.exec(
                ["python3", "-c", "import os; os.makedirs('a/b'); open('a/b/c', 'w').write('hi')"]
            )
            files = await box.get_files()
        assert files == {"a/b/c": b"hi"}

    async def test_paths_outside_the_work_folder_are_refused(self) -> None:
        async with self.sandbox() as box:
            for bad in ("../escape.txt", "/etc/passwd", "a/../../b", ""):
                with pytest.raises(SandboxError, match="relative to the work folder"):
                    await box.put_files({bad: "x"})

    async def test_timeout_is_reported_and_the_sandbox_stays_usable(self) -> None:
        async with self.sandbox() as box:
            ev = await box.exec(["python3", "-c", "while True: pass"], timeout_s=1.5)
            assert ev.limit_hit == "timeout" and ev.exit_code is None
            assert 1.5 <= ev.wall_s < 10
            again = await box.exec(["python3", "-c", "print('again')"])
        assert again.ok and again.stdout == "again\n"

    async def test_output_past_the_cap_is_truncated_and_stopped(self) -> None:
        ev = await run_in_sandbox(
            ["python3", "-c", "import sys\nwhile True: sys.stdout.write('y' * 4096)"],
            backend=self.backend_name,
            config=QUICK,
        )
        assert ev.limit_hit == "output" and ev.stdout_truncated
        assert ev.stdout == "y" * 10_000
        assert ev.wall_s < 15

    async def test_processes_left_behind_do_not_outlive_the_exec(self) -> None:
        async with self.sandbox() as box:
            ev = await box.exec("(sleep 4; echo late > late.txt) & echo started")
            assert ev.ok and ev.stdout == "started\n"
            assert ev.wall_s < 3.5  # it returned without waiting for the background job
            await asyncio.sleep(4.5)
            files = await box.get_files()
        assert "late.txt" not in files

    async def test_environment_reaches_the_code(self) -> None:
        config = QUICK.model_copy(update={"env": {"RXLAB_TEST_VALUE": "42"}})
        ev = await run_in_sandbox(
            ["python3", "-c", "import os; print(os.environ['RXLAB_TEST_VALUE'])"],
            backend=self.backend_name,
            config=config,
        )
        assert ev.stdout == "42\n"

    async def test_a_missing_program_is_a_failed_run_not_a_crash(self) -> None:
        ev = await run_in_sandbox(
            ["no-such-program-rxlab"], backend=self.backend_name, config=QUICK
        )
        assert ev.exit_code not in (0, None) and not ev.ok

    async def test_stop_ends_the_sandbox_and_leaves_nothing(self) -> None:
        box = self.sandbox()
        await box.start()
        await box.put_files({"x.txt": "x"})
        handle = box.handle
        await box.stop()
        await box.stop()  # twice is fine
        with pytest.raises(SandboxError, match="can no longer run"):
            await box.backend.exec(handle, ["true"])
        self.assert_nothing_left(handle)

    async def test_model_calls_go_through_the_socket_and_are_logged(self) -> None:
        seen: list[dict[str, Any]] = []

        async def handler(payload: dict[str, Any]) -> dict[str, Any]:
            seen.append(payload)
            if payload["messages"] == "refuse":
                raise PermissionError("no more calls for this sandbox")
            return {"texts": [f"answer to {payload['messages']}"] * payload["n"]}

        program = (
            "import rxlab_llm as llm\n"
            "print(llm.complete('q1', n=2, max_tokens=8))\n"
            "try:\n    llm.complete('refuse')\n"
            "except llm.LLMError as e:\n    print('refused', e.error_type)\n"
        )
        async with self.sandbox(model_handler=handler) as box:
            await box.put_files({"main.py": program})
            ev = await box.exec(["python3", "main.py"])
        assert ev.ok, ev.stderr
        assert ev.stdout == "['answer to q1', 'answer to q1']\nrefused PermissionError\n"
        assert [p["sandbox_id"] for p in seen] == [box.id, box.id]
        assert seen[0]["max_tokens"] == 8 and seen[0]["n"] == 2
        assert [(c.ok, c.error_type, c.texts) for c in ev.model_calls] == [
            (True, None, 2),
            (False, "PermissionError", 0),
        ]
