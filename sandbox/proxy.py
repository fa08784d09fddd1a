"""The model proxy: a Unix socket that gives a sandbox model access without a network.

The proxy serves newline-delimited JSON on ``<dir>/llm.sock``; the folder (with the client
module ``rxlab_llm.py``) is mounted read-only into the sandbox. Each request goes to an injected
async handler ``handler(payload) -> dict``; the proxy stamps ``payload["sandbox_id"]`` itself so
code inside cannot pose as another sandbox. The caller's handler decides the model and enforces
the per-sandbox budget (search/ and agents/ wrap the gateway); this package imports no gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from sandbox.types import MODEL_SOCKET_NAME, ModelCall

ModelHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

CLIENT_MODULE = "rxlab_llm.py"
MAX_REQUEST_BYTES = 4 * 1024 * 1024
MAX_SOCKET_PATH = 100  # Unix socket paths are limited to 108 bytes
NOBODY = 65534


def _socket_parent() -> str:
    parent = tempfile.gettempdir()
    return parent if len(parent) < MAX_SOCKET_PATH - 40 else "/tmp"


class ModelProxy:
    """Serves one sandbox's model calls; ``calls`` logs every one, allowed or refused."""

    def __init__(
        self, handler: ModelHandler, sandbox_id: str, *, max_request_bytes: int = MAX_REQUEST_BYTES
    ) -> None:
        self.handler = handler
        self.sandbox_id = sandbox_id
        self.max_request_bytes = max_request_bytes
        self.calls: list[ModelCall] = []
        self.dir: Path | None = None
        self._server: asyncio.AbstractServer | None = None

    @property
    def socket_path(self) -> Path:
        if self.dir is None:
            raise RuntimeError("the model proxy is not started")
        return self.dir / MODEL_SOCKET_NAME

    async def start(self) -> Path:
        """Create the folder, the socket and the client module; returns the folder."""
        self.dir = Path(tempfile.mkdtemp(prefix="rxlab-llm-", dir=_socket_parent()))
        self.dir.chmod(0o755)
        client = resources.files("sandbox.client").joinpath(CLIENT_MODULE).read_bytes()
        (self.dir / CLIENT_MODULE).write_bytes(client)
        (self.dir / CLIENT_MODULE).chmod(0o644)
        self._server = await asyncio.start_unix_server(
            self._serve, path=str(self.socket_path), limit=self.max_request_bytes
        )
        if os.geteuid() == 0:  # only the sandbox user may connect
            os.chown(self.socket_path, NOBODY, NOBODY)
            self.socket_path.chmod(0o600)
        else:  # a non-root engine user cannot chown; the folder is ours alone to list
            self.socket_path.chmod(0o666)
        return self.dir

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                answer = await self.answer(line)
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except (ValueError, ConnectionError):  # an over-long line or a vanished client
            pass
        finally:
            writer.close()

    async def answer(self, line: bytes) -> dict[str, Any]:
        """One request line in, one reply out; every call is logged."""
        started = time.monotonic()
        try:
            payload = json.loads(line)
            if not isinstance(payload, dict):
                raise ValueError("a request must be a JSON object")
            payload["sandbox_id"] = self.sandbox_id
            result = await self.handler(payload)
        except Exception as exc:
            self._log(line, started, error=exc)
            return {"ok": False, "error": str(exc), "error_type": type(exc).__name__}
        self._log(line, started, texts=len(result.get("texts", [])))
        return {"ok": True, "result": result}

    def _log(
        self, line: bytes, started: float, *, error: Exception | None = None, texts: int = 0
    ) -> None:
        self.calls.append(
            ModelCall(
                sandbox_id=self.sandbox_id,
                ok=error is None,
                error=str(error) if error else None,
                error_type=type(error).__name__ if error else None,
                request_bytes=len(line),
                texts=texts,
                latency_s=time.monotonic() - started,
            )
        )
