"""Figures: upload the raw image bytes (``POST /api/figures``), read them at ``/figures/<sha>``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from preprints import FigurePublic
from web.deps import LabDep, StoreDep
from web.routers._common import CleanText, responses

router = APIRouter(tags=["figures"])

Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="the figure's sha256")]
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
UPLOAD_BODY = {
    "required": True,
    "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGE_TYPES},
}


@router.post(
    "/api/figures",
    status_code=201,
    response_model=FigurePublic,
    responses=responses(400, 401, 413, 415),
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_figure(
    request: Request,
    store: StoreDep,
    lab: LabDep,
    filename: Annotated[CleanText, Query(min_length=1, max_length=200)],
    content_type: Annotated[str, Header(max_length=200)] = "",
) -> FigurePublic:
    """Send the image as the body with its Content-Type; reference it by the sha256 returned."""
    data = await request.body()
    return await run_in_threadpool(store.add_figure, lab.name, filename, content_type, data)


@router.get("/api/figures/{sha256}", response_model=FigurePublic, responses=responses(404))
def figure_info(store: StoreDep, sha256: Sha) -> FigurePublic:
    return store.figure(sha256)[0]


@router.get("/figures/{sha256}", include_in_schema=False)
def figure_bytes(store: StoreDep, sha256: Sha) -> Response:
    figure, data = store.figure(sha256)
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "Content-Security-Policy": "default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{figure.sha256[:12]}"',
    }
    return Response(data, media_type=figure.media_type, headers=headers)
