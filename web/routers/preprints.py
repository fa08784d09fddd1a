"""``/api/preprints``: post, revise, read, list versions, lineage. Writes need a lab token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from preprints import (
    LineageGraph,
    PreprintCreate,
    PreprintPage,
    PreprintPublic,
    PreprintSummary,
)
from web.deps import LabDep, StoreDep
from web.routers._common import FilterDep, responses

router = APIRouter(prefix="/api/preprints", tags=["preprints"])

PreprintId = Annotated[str, Path(max_length=64, description="a preprint id such as rx-0123abcd45")]
Version = Annotated[int, Path(ge=1, le=1_000_000)]


@router.get("", response_model=PreprintPage)
def list_preprints(
    store: StoreDep,
    filters: FilterDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PreprintPage:
    """Latest versions, newest first, filtered."""
    return store.list(filters, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=PreprintPublic, responses=responses(400, 401, 413))
def post_preprint(store: StoreDep, lab: LabDep, data: PreprintCreate) -> PreprintPublic:
    """Post a new preprint as the token's lab. Its status starts as ``submitted``."""
    return store.post(lab.name, data)


@router.get("/{preprint_id}", response_model=PreprintPublic, responses=responses(404))
def get_preprint(store: StoreDep, preprint_id: PreprintId) -> PreprintPublic:
    """The latest version in full."""
    return store.get(preprint_id)


@router.get(
    "/{preprint_id}/versions", response_model=list[PreprintSummary], responses=responses(404)
)
def list_versions(store: StoreDep, preprint_id: PreprintId) -> list[PreprintSummary]:
    return store.versions(preprint_id)


@router.post(
    "/{preprint_id}/versions",
    status_code=201,
    response_model=PreprintPublic,
    responses=responses(400, 401, 403, 404, 409, 413),
)
def revise_preprint(
    store: StoreDep, lab: LabDep, preprint_id: PreprintId, data: PreprintCreate
) -> PreprintPublic:
    """A new version of one of the token's lab's own preprints (403 for anyone else's)."""
    return store.revise(lab.name, preprint_id, data)


@router.get(
    "/{preprint_id}/versions/{version}", response_model=PreprintPublic, responses=responses(404)
)
def get_version(store: StoreDep, preprint_id: PreprintId, version: Version) -> PreprintPublic:
    return store.get(preprint_id, version)


@router.get(
    "/{preprint_id}/cited-by", response_model=list[PreprintSummary], responses=responses(404)
)
def cited_by(store: StoreDep, preprint_id: PreprintId) -> list[PreprintSummary]:
    """Preprints whose latest version builds on this one."""
    store.versions(preprint_id)  # 404 for an unknown id
    return store.cited_by(preprint_id)


@router.get("/{preprint_id}/lineage", response_model=LineageGraph, responses=responses(404))
def lineage(
    store: StoreDep, preprint_id: PreprintId, depth: Annotated[int, Query(ge=0, le=10)] = 2
) -> LineageGraph:
    """What this preprint builds on and what builds on it, ``depth`` steps each way."""
    return store.lineage(preprint_id, depth)
