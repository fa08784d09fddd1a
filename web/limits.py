"""A pure ASGI middleware that refuses request bodies over a size limit with 413.

It checks ``Content-Length`` first and also counts the bytes of a streamed body, so a client
that lies about (or leaves out) the length is still stopped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY = 2 * 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised while the body is read; FastAPI re-raises HTTPExceptions from body parsing."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def _too_large(exc: BaseException) -> BodyTooLarge | None:
    """The limit error in ``exc``, also when task groups wrapped it in an ExceptionGroup."""
    if isinstance(exc, BodyTooLarge):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        group, _rest = exc.split(BodyTooLarge)
        found: BaseException | None = group
        while isinstance(found, BaseExceptionGroup):
            found = found.exceptions[0]
        return found if isinstance(found, BodyTooLarge) else None
    return None


def too_large_message(limit: int) -> str:
    return (
        f"request body is over the limit of {limit} bytes; send less "
        "(figures go to POST /api/figures, which has its own limit)"
    )


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """``limits`` maps a path prefix to its own limit; everything else gets ``default``."""

    def __init__(self, app: ASGIApp, default: int, limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits or {})

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _reply(send, 400, "Content-Length must be a whole number of bytes")
                return
            if int(declared) > limit:
                await _reply(send, 413, too_large_message(limit))
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BaseException as exc:
            error = _too_large(exc)
            if error is None or started:
                raise
            await _reply(send, 413, str(error.detail))
