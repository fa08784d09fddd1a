"""The gate queue: a background worker that gates every preprint waiting for it.

Preprints are posted with status ``submitted``; the worker looks for submitted versions with
claims (every ``poll_s`` seconds, or at once after ``wake()``), runs ``gate_preprint`` on them
one at a time, and keeps each job's state (queued, running, done, failed) for pages and the
API. A job that fails for a reason outside the preprint (no Docker engine, say) leaves the
status ``submitted`` and says why; the next start of the worker tries it again. Every
decision's full report is kept as JSON under ``home/gate/<preprint id>/v<version>.json``.

    worker = GateWorker(store, home)
    async with worker.running():
        ...  # the server runs; the worker gates in the background
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from agents.gate.bundles import BundleStore
from agents.gate.publish import PreprintGate, gate_preprint
from agents.gate.report import Decision
from agents.gate.runner import DEFAULT_LIMITS, MaxItems
from kernels import Gateway
from preprints import PreprintFilter, PreprintSummary, Status, Store
from sandbox import Limits

log = logging.getLogger(__name__)
JobState = Literal["queued", "running", "done", "failed"]
PAGE = 200


def _now() -> datetime:
    return datetime.now(UTC)


class GateJob(BaseModel):
    """The gate's work on one preprint version."""

    preprint_id: str
    version: int
    state: JobState = "queued"
    queued_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: Decision | None = None
    error: str | None = None


class GateWorker:
    """Gates submitted preprints in the background, one at a time."""

    def __init__(
        self,
        store: Store,
        home: Path,
        *,
        gateway: Gateway | None = None,
        bundles: BundleStore | None = None,
        backend: str = "docker",
        max_items: MaxItems = None,
        limits: Limits = DEFAULT_LIMITS,
        poll_s: float = 2.0,
        skip: Callable[[PreprintSummary], bool] | None = None,
    ) -> None:
        """``skip`` leaves some submitted versions alone: the server skips preprints of its own
        goals, whose labs gate them themselves (and revise on a rejection)."""
        self.store = store
        self.skip = skip
        self.home = Path(home)
        self.bundles = bundles or BundleStore(self.home / "bundles")
        self.reports_dir = self.home / "gate"
        self.backend = backend
        self.max_items = max_items
        self.limits = limits
        self.poll_s = poll_s
        self._gateway = gateway
        self.jobs: dict[tuple[str, int], GateJob] = {}
        self._no_claims: set[tuple[str, int]] = set()
        self._wake: asyncio.Event | None = None

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            self._gateway = Gateway(self.home, cache=False)
        return self._gateway

    # --- state ---------------------------------------------------------------------------
    def job(self, preprint_id: str, version: int | None = None) -> GateJob | None:
        """The job for a version (default: the newest version the worker knows)."""
        if version is not None:
            return self.jobs.get((preprint_id, version))
        known = [job for job in list(self.jobs.values()) if job.preprint_id == preprint_id]
        return max(known, key=lambda j: j.version) if known else None

    def enqueue(self, preprint_id: str, version: int) -> GateJob:
        """Queue a version (again, if its last job failed); call from the worker's loop."""
        key = (preprint_id, version)
        job = self.jobs.get(key)
        if job is None or job.state == "failed":
            job = self.jobs[key] = GateJob(
                preprint_id=preprint_id, version=version, queued_at=_now()
            )
        self.wake()
        return job

    def wake(self) -> None:
        """Look for work now instead of at the next poll (from the worker's event loop)."""
        if self._wake is not None:
            self._wake.set()

    def scan(self) -> int:
        """Queue every submitted version with claims that has no job yet; how many were new."""
        new, offset = 0, 0
        while True:
            page = self.store.list(
                PreprintFilter(status=Status.submitted), limit=PAGE, offset=offset
            )
            for summary in page.items:
                key = (summary.preprint_id, summary.version)
                if key in self.jobs or key in self._no_claims:
                    continue
                if self.skip is not None and self.skip(summary):
                    continue
                if self.store.get(*key).claims:
                    self.jobs[key] = GateJob(preprint_id=key[0], version=key[1], queued_at=_now())
                    new += 1
                else:
                    self._no_claims.add(key)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return new

    # --- work ----------------------------------------------------------------------------
    async def run_job(self, job: GateJob) -> PreprintGate | None:
        job.state, job.started_at = "running", _now()
        try:
            outcome = await gate_preprint(
                self.store,
                job.preprint_id,
                version=job.version,
                gateway=self.gateway,
                bundles=self.bundles,
                backend=self.backend,
                max_items=self.max_items,
                limits=self.limits,
            )
        except Exception as exc:
            log.exception("the gate failed on %s v%s", job.preprint_id, job.version)
            job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
            job.finished_at = _now()
            return None
        job.state, job.status, job.finished_at = "done", outcome.status, _now()
        folder = self.reports_dir / job.preprint_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"v{job.version}.json").write_text(outcome.model_dump_json(indent=1))
        return outcome

    async def drain(self) -> list[GateJob]:
        """Scan, then run every queued job; the jobs run."""
        await asyncio.to_thread(self.scan)
        done = []
        while queued := [j for j in list(self.jobs.values()) if j.state == "queued"]:
            await self.run_job(queued[0])
            done.append(queued[0])
        return done

    async def run_forever(self) -> None:
        self._wake = asyncio.Event()
        while True:
            try:
                await self.drain()
            except Exception:  # a store hiccup must not stop the worker
                log.exception("the gate worker could not scan the store")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[GateWorker]:
        """Run the worker in the background for the duration of the block."""
        task = asyncio.create_task(self.run_forever(), name="rxlab-gate-worker")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
