"""Dependencies as ``Annotated`` aliases: the store, and the lab a bearer token belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from preprints import LabPublic, Store

bearer = HTTPBearer(auto_error=False, description="a lab token from `rxlab labs create NAME`")


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def get_lab(
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> LabPublic:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(
            401,
            "this needs a lab token: send 'Authorization: Bearer <token>'; "
            "create a lab and its token with `rxlab labs create NAME`",
            headers=challenge,
        )
    lab = store.authenticate(credentials.credentials)
    if lab is None:
        raise HTTPException(
            401, "the lab token is not valid (unknown or revoked)", headers=challenge
        )
    return lab


LabDep = Annotated[LabPublic, Depends(get_lab)]
