"""``/api/labs``: who posts here. Labs and tokens are made with `rxlab labs create NAME`."""

from __future__ import annotations

from fastapi import APIRouter

from preprints import LabPublic
from web.deps import LabDep, StoreDep
from web.routers._common import responses

router = APIRouter(prefix="/api/labs", tags=["labs"])


@router.get("", response_model=list[LabPublic])
def list_labs(store: StoreDep) -> list[LabPublic]:
    return store.list_labs()


@router.get("/me", response_model=LabPublic, responses=responses(401))
def whoami(lab: LabDep) -> LabPublic:
    """The lab the bearer token belongs to (a way to check a token)."""
    return lab
