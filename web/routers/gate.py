"""The gate in the server: a background worker gates every submitted preprint with claims.

``install(app, store, gate=..., home=...)`` wires it: ``gate`` is a ``GateWorker``, ``True``
for one with the defaults (the settings' home, Docker), or ``False`` for none. With a worker
the app runs it in the background while it serves, pages show each version's gate job, and
``GET /api/gate/{preprint_id}`` tells where a preprint stands with the gate. Bundle uploads
(``/api/bundles``) work either way; they are kept under ``<home>/bundles``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from agents.gate.bundles import BundleStore
from agents.gate.queue import GateJob, GateWorker
from preprints import Status, Store
from web.deps import StoreDep
from web.routers import bundles as bundle_routes
from web.routers._common import responses

router = APIRouter(prefix="/api/gate", tags=["gate"])
PreprintId = Annotated[str, PathParam(max_length=64)]


class GateState(BaseModel):
    """Where one preprint version stands with the gate."""

    preprint_id: str
    version: int
    status: Status = Field(description="the preprint's status; 'submitted' until the gate decides")
    job: GateJob | None = Field(None, description="this server's gate job, if it has one")
    report: dict[str, Any] | None = Field(None, description="the gate's full report, when decided")


def _home(home: Path | None) -> Path:
    if home is not None:
        return Path(home)
    from rxlab.settings import get_settings

    return get_settings().home


def make_worker(store: Store, gate: GateWorker | bool, home: Path | None) -> GateWorker | None:
    if isinstance(gate, GateWorker):
        return gate
    return GateWorker(store, _home(home)) if gate else None


def install(
    app: FastAPI, store: Store, *, gate: GateWorker | bool = False, home: Path | None = None
) -> GateWorker | None:
    """Put the worker (or ``None``) on ``app.state.gate`` and the bundle store on
    ``app.state.bundles``, add the routes and the pages' ``gate_job``."""
    worker = make_worker(store, gate, home)
    app.state.gate = worker
    app.state.bundles = worker.bundles if worker else BundleStore(_home(home) / "bundles")
    app.include_router(router)
    app.include_router(bundle_routes.router)

    def gate_job(preprint_id: str, version: int | None = None) -> GateJob | None:
        return worker.job(preprint_id, version) if worker else None

    app.state.templates.env.globals["gate_job"] = gate_job
    return worker


def body_limits(app: FastAPI) -> dict[str, int]:
    """Path limits for ``BodyLimit``: uploads may be as large as the bundle store allows."""
    return {bundle_routes.PREFIX: bundle_routes.upload_limit(app.state.bundles)}


def add_upload_limit(app: FastAPI) -> None:
    """The bundle upload's own 413 (call it after every other middleware is added, so it
    answers first and says which limit it is)."""
    bundles: BundleStore = app.state.bundles
    app.add_middleware(
        bundle_routes.UploadLimit,
        limit=bundle_routes.upload_limit(bundles),
        message=bundles.too_large_message(),
    )


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[None]:
    """Run the app's gate worker (if any) while the app serves."""
    worker: GateWorker | None = getattr(app.state, "gate", None)
    if worker is None:
        yield
        return
    async with worker.running():
        yield


def _report(worker: GateWorker | None, preprint_id: str, version: int) -> dict[str, Any] | None:
    if worker is None:
        return None
    path = worker.reports_dir / preprint_id / f"v{version}.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@router.get("/{preprint_id}", response_model=GateState, responses=responses(404))
def gate_state(
    request: Request,
    store: StoreDep,
    preprint_id: PreprintId,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> GateState:
    """The preprint's status, this server's gate job for it, and the full report once decided."""
    preprint = store.get(preprint_id, version)
    worker: GateWorker | None = request.app.state.gate
    return GateState(
        preprint_id=preprint.preprint_id,
        version=preprint.version,
        status=preprint.status,
        job=worker.job(preprint.preprint_id, preprint.version) if worker else None,
        report=_report(worker, preprint.preprint_id, preprint.version),
    )
