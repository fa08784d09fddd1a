"""The FastAPI app factory: REST API (one router per resource), pages, static files, limits.

``create_app(store=..., embedder=...)`` wires the parts; ``app.state`` holds what later parts
plug into: ``store``, ``templates`` (add folders with ``add_template_dir``), ``markdown``,
``nav`` (``(label, href)`` pairs shown in the header) and ``events`` (free for a live-events
feature). New areas add their own routers with ``app.include_router``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agents.gate.queue import GateWorker
from agents.goals import GoalStore
from preprints import Embedder, Store
from web import errors, goal_runs, goals_pages, pages
from web.limits import DEFAULT_MAX_BODY, BodyLimit
from web.render import make_markdown
from web.routers import figures, goals, labs, preprints, search
from web.routers import gate as gate_routes

HERE = Path(__file__).resolve().parent
API_DOC_PAGES = ("/docs", "/redoc")  # FastAPI's doc pages load their scripts from a CDN
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'"
)


def _default_store(embedder: Embedder | None) -> Store:
    from rxlab.settings import get_settings

    settings = get_settings()
    settings.ensure_home()
    if embedder is None:
        from kernels.embeddings import embed

        embedder = embed
    return Store(settings.db_url, embedder=embedder)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["when"] = _when
    return templates


def add_template_dir(app: FastAPI, folder: Path) -> None:
    """Let a later part ship its own templates (they can extend ``base.html``)."""
    env = app.state.templates.env
    env.loader = ChoiceLoader([FileSystemLoader(str(folder)), env.loader])


class SecurityHeaders:
    """Pure ASGI: ``nosniff`` everywhere, a strict content policy on HTML pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                html = headers.get("content-type", "").startswith("text/html")
                if html and not scope["path"].startswith(API_DOC_PAGES):
                    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    store: Store | None = None,
    embedder: Embedder | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    max_figure_bytes: int | None = None,
    title: str = "rxlab",
    goal_store: GoalStore | None = None,
    home: Path | None = None,
    gate: GateWorker | bool = False,
) -> FastAPI:
    """The web app over ``store`` (default: the settings' database with the MiniLM embedder).

    An ``embedder`` given with a ``store`` replaces the store's own; ``max_figure_bytes``
    (default: the store's) limits uploads to ``/api/figures``, ``max_body_bytes`` every other
    request body. A store the app opened itself is closed on shutdown. ``goal_store`` and
    ``home`` are where goals launched here are kept and worked on (default: the settings').
    ``gate`` gates every submitted preprint with claims in the background: a ``GateWorker``,
    or ``True`` for one with the defaults (Docker, bundles and reports under ``home``).
    """
    owned = store is None
    the_store = _default_store(embedder) if store is None else store
    if embedder is not None:
        the_store.embedder = embedder
    if max_figure_bytes is not None:
        the_store.max_figure_bytes = max_figure_bytes

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with gate_routes.running(_app):
            yield
        await goal_runs.shutdown(_app)
        if owned:
            the_store.close()

    app = FastAPI(
        title=title,
        summary="rxlab's preprint server: labs post reports, the gate verifies them.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.store = the_store
    app.state.templates = _templates()
    app.state.templates.env.globals["nav"] = app.state.nav = [("Preprints", "/")]
    app.state.templates.env.globals["site_title"] = title
    app.state.markdown = make_markdown()
    app.state.events = None
    errors.install(app)
    goal_runs.install(app, goals=goal_store, home=home)
    worker = gate_routes.install(app, the_store, gate=gate, home=home)
    if worker is not None and worker.skip is None:
        worker.skip = goal_runs.owned_by_goal(app)  # those labs gate their own preprints
    for router in (preprints.router, search.router, figures.router, labs.router, pages.router):
        app.include_router(router)
    for router in (goals.router, goals_pages.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(SecurityHeaders)
    limits = {"/api/figures": the_store.max_figure_bytes, **gate_routes.body_limits(app)}
    app.add_middleware(BodyLimit, default=max_body_bytes, limits=limits)
    gate_routes.add_upload_limit(app)
    return app
