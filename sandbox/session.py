"""``Sandbox``: one sandbox's life (start, files in, commands, evidence, stop) on any backend.

    async with Sandbox("docker", SandboxConfig(limits=Limits(timeout_s=10))) as box:
        await box.put_files({"main.py": "print(6 * 7)"})
        evidence = await box.exec(["python3", "main.py"])

``run_in_sandbox`` does all of that for one command. Every ``Evidence`` says which backend made
it and whether that backend isolates.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from sandbox._files import FileMap, as_bytes, hashes, read_dir
from sandbox.backend import SandboxBackend, SandboxHandle, get_backend
from sandbox.errors import SandboxError
from sandbox.proxy import ModelHandler, ModelProxy
from sandbox.types import Evidence, FileHash, SandboxConfig


class Sandbox:
    """A sandbox on ``backend`` (a name, or an instance the caller owns and closes)."""

    def __init__(
        self,
        backend: SandboxBackend | str = "docker",
        config: SandboxConfig | None = None,
        *,
        model_handler: ModelHandler | None = None,
    ) -> None:
        self._owns_backend = isinstance(backend, str)
        self.backend = get_backend(backend) if isinstance(backend, str) else backend
        self.config = config or SandboxConfig()
        self.id = SandboxHandle.new_id()
        self.proxy = ModelProxy(model_handler, self.id) if model_handler else None
        self.files_in: dict[str, FileHash] = {}
        self._handle: SandboxHandle | None = None

    @property
    def handle(self) -> SandboxHandle:
        if self._handle is None:
            raise SandboxError("the sandbox is not started; use `async with Sandbox(...)`")
        return self._handle

    async def start(self) -> Sandbox:
        if self._handle is not None:
            return self
        model_dir = await self.proxy.start() if self.proxy else None
        try:
            self._handle = await self.backend.start(
                self.config, sandbox_id=self.id, model_dir=model_dir
            )
        except BaseException:
            await self._release()
            raise
        return self

    async def put_files(self, files: FileMap) -> None:
        """Write files (relative path -> bytes or text) into the work folder."""
        checked = as_bytes(files)
        await self.backend.put_files(self.handle, checked)
        self.files_in |= {item.path: item for item in hashes(checked)}

    async def put_dir(self, path: Path) -> None:
        """Copy every regular file under a host folder into the work folder."""
        await self.put_files(read_dir(path))

    async def get_files(self) -> dict[str, bytes]:
        return await self.backend.get_files(self.handle)

    async def exec(
        self, cmd: list[str] | str, *, timeout_s: float | None = None, collect_files: bool = True
    ) -> Evidence:
        """Run a command (a list, or a string for ``sh -c``) and return its evidence."""
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        calls_before = len(self.proxy.calls) if self.proxy else 0
        result = await self.backend.exec(self.handle, argv, timeout_s=timeout_s)
        events, files_out = list(result.events), []
        if collect_files:
            try:
                files_out = hashes(await self.get_files())
            except SandboxError as exc:
                events.append(f"files_out_unavailable: {exc}")
        return Evidence(
            **result.model_dump(exclude={"events"}),
            events=events,
            sandbox_id=self.id,
            backend=self.backend.name,
            isolated=self.backend.isolated,
            command=argv,
            image=self.config.image or getattr(self.backend, "image", None),
            limits=self.config.limits,
            files_in=sorted(self.files_in.values(), key=lambda item: item.path),
            files_out=files_out,
            model_calls=self.proxy.calls[calls_before:] if self.proxy else [],
        )

    async def stop(self) -> None:
        if self._handle is not None:
            try:
                await self.backend.stop(self._handle)
            finally:
                await self._release()
        else:
            await self._release()

    async def _release(self) -> None:
        if self.proxy is not None:
            await self.proxy.close()
        if self._owns_backend:
            await self.backend.close()

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def run_in_sandbox(
    cmd: list[str] | str,
    files: FileMap | Path | None = None,
    *,
    backend: SandboxBackend | str = "docker",
    config: SandboxConfig | None = None,
    model_handler: ModelHandler | None = None,
    collect_files: bool = True,
    **exec_options: Any,
) -> Evidence:
    """Start a sandbox, put ``files`` (a mapping or a host folder), run ``cmd``, stop it."""
    async with Sandbox(backend, config, model_handler=model_handler) as box:
        if isinstance(files, Path):
            await box.put_dir(files)
        elif files:
            await box.put_files(files)
        return await box.exec(cmd, collect_files=collect_files, **exec_options)
