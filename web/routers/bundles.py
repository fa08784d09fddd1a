"""``/api/bundles``: a lab uploads an experiment bundle for the gate to run.

``POST /api/bundles`` takes the bundle folder packed as a tar.gz or zip, either as the raw body
(``Content-Type: application/gzip`` or ``application/zip``) or as the file field ``bundle`` of a
``multipart/form-data`` form. It answers the bundle's id; a claim names it in its spec as
``{"bundle": "<id>"}``. Too large: 413. A path that leaves the bundle, a link, or a bundle
whose ``rxlab.yaml`` is malformed: 400, with what to fix.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agents.gate.bundles import (
    BundleInfo,
    BundleStore,
    BundleTooLarge,
    UnknownBundle,
    UnsafeArchive,
)
from sandbox.monitor import MalformedBundle
from web.deps import LabDep
from web.routers._common import responses

router = APIRouter(prefix="/api/bundles", tags=["bundles"])
PREFIX = "/api/bundles"
FORM_SLACK = 64 * 1024  # multipart headers and boundaries around the archive
FIELD = "bundle"
ARCHIVE_TYPES = (
    "application/gzip",
    "application/x-gzip",
    "application/x-tar",
    "application/x-compressed-tar",
    "application/zip",
    "application/x-zip-compressed",
    "application/octet-stream",
)
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {FIELD: {"type": "string", "format": "binary"}},
                "required": [FIELD],
            }
        },
        **{kind: {"schema": {"type": "string", "format": "binary"}} for kind in ARCHIVE_TYPES},
    },
}
BundleId = Annotated[str, Path(pattern=r"^bd-[0-9a-f]{20}$", description="an id from upload")]


def get_bundles(request: Request) -> BundleStore:
    bundles: BundleStore = request.app.state.bundles
    return bundles


BundlesDep = Annotated[BundleStore, Depends(get_bundles)]


def upload_limit(bundles: BundleStore) -> int:
    """The most request bytes an upload may take (the archive and a form around it)."""
    return bundles.max_bytes + FORM_SLACK


class UploadLimit:
    """Pure ASGI, outside every other middleware: uploads to ``/api/bundles`` over the limit
    get a 413 that says it is the bundle's limit (declared or streamed lengths alike)."""

    def __init__(self, app: ASGIApp, limit: int, message: str) -> None:
        self.app, self.limit, self.message = app, limit, message

    async def _reply(self, send: Send) -> None:
        body = json.dumps({"detail": self.message}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > self.limit:
            await self._reply(send)
            return
        received, started = 0, False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _Over
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BaseException as exc:
            if started or not _is_over(exc):
                raise
            await self._reply(send)


class _Over(Exception):
    """The upload went over the limit while it was read."""


def _is_over(exc: BaseException) -> bool:
    if isinstance(exc, _Over):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_is_over(inner) for inner in exc.exceptions)
    return isinstance(exc.__cause__ or exc.__context__, _Over)


def archive_from_form(content_type: str, body: bytes) -> bytes:
    """The ``bundle`` file of a multipart form (or its only file)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise HTTPException(400, "the form could not be read as multipart/form-data")
    files = [p for p in message.iter_parts() if p.get_filename() is not None]
    named = [p for p in files if p.get_param("name", header="content-disposition") == FIELD]
    chosen = named or files
    if len(chosen) != 1:
        raise HTTPException(
            400, f"send one file, in the form field {FIELD!r} (a tar.gz or zip of the bundle)"
        )
    payload = chosen[0].get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


@router.post(
    "",
    status_code=201,
    response_model=BundleInfo,
    responses=responses(400, 401, 413, 415),
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_bundle(request: Request, bundles: BundlesDep, lab: LabDep) -> BundleInfo:
    """Upload a bundle (tar.gz or zip of the folder with ``rxlab.yaml``); name the id it
    returns in your claims' spec: ``{"bundle": "<id>"}``."""
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    if kind != "multipart/form-data" and kind not in ARCHIVE_TYPES:
        raise HTTPException(
            415,
            f"send the bundle as multipart/form-data (field {FIELD!r}) or as a raw body of "
            f"type application/gzip or application/zip, not {kind or 'no Content-Type'!r}",
        )
    body = await request.body()
    archive = archive_from_form(content_type, body) if kind.startswith("multipart/") else body
    try:
        return await run_in_threadpool(bundles.add, archive, lab.name)
    except BundleTooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except UnsafeArchive as exc:
        raise HTTPException(400, f"unsafe or unreadable archive: {exc}") from None
    except MalformedBundle as exc:
        raise HTTPException(400, f"malformed bundle: {exc}") from None


@router.get("/{bundle_id}", response_model=BundleInfo, responses=responses(404))
def get_bundle(bundles: BundlesDep, bundle_id: BundleId) -> BundleInfo:
    """What a bundle holds: its kind, task, files and the claims in its ``rxlab.yaml``."""
    try:
        return bundles.info(bundle_id)
    except UnknownBundle as exc:
        raise HTTPException(404, str(exc)) from None
