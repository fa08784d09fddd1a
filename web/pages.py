"""Server-rendered pages (no JavaScript needed): the list with search and filters, a preprint,
and its raw Markdown and JSON downloads. Query parameters are read leniently: a bad value
becomes a notice on the page, not an error."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse

from preprints import (
    EmbeddingsUnavailable,
    PreprintFilter,
    PreprintPublic,
    SearchMode,
    Status,
    to_markdown,
)
from web.deps import StoreDep
from web.render import referenced, render_markdown

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
Pid = Annotated[str, Path(max_length=64)]
Version = Annotated[int, Path(ge=1, le=1_000_000)]


def _clean(value: str | None, limit: int = 500) -> str:
    return (value or "").replace("\x00", "").strip()[:limit]


def _day(value: str, notices: list[str], name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        notices.append(f"ignored {name}={value!r}: use a date like 2025-01-31")
        return None


def _filters(params: dict[str, str], notices: list[str]) -> PreprintFilter:
    status = params["status"] if params["status"] in Status.__members__ else None
    if params["status"] and status is None:
        notices.append(f"ignored status={params['status']!r}: use one of {', '.join(Status)}")
    until = _day(params["until"], notices, "until")
    return PreprintFilter(
        status=Status(status) if status else None,
        lab=params["lab"] or None,
        goal=params["goal"] or None,
        task=params["task"] or None,
        since=_day(params["since"], notices, "since"),
        until=until + timedelta(days=1) if until else None,  # the whole day
    )


@router.get("/", response_class=HTMLResponse)
def index(request: Request, store: StoreDep) -> Response:
    names = ("q", "mode", "status", "lab", "goal", "task", "since", "until", "page")
    params = {name: _clean(request.query_params.get(name)) for name in names}
    notices: list[str] = []
    filters = _filters(params, notices)
    raw_page = params["page"]
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() else 1  # not "²"
    page = max(1, min(page, 10_000))
    mode = params["mode"] if params["mode"] in SearchMode.__members__ else "hybrid"
    context: dict[str, Any] = {"params": {**params, "mode": mode}, "notices": notices}
    context["statuses"] = list(Status)
    context["modes"] = list(SearchMode)
    if params["q"]:
        try:
            results = store.search(params["q"], mode=mode, filters=filters, limit=50)
        except EmbeddingsUnavailable:
            notices.append("this server has no embedder: searched the words only")
            results = store.search(params["q"], mode="text", filters=filters, limit=50)
        context["results"] = results
    else:
        listing = store.list(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        context["listing"] = listing
        context["page"] = page
        context["pages"] = max(1, -(-listing.total // PAGE_SIZE))
        kept = {k: v for k, v in params.items() if v and k != "page"}
        context["page_query"] = lambda n: urlencode({**kept, "page": n})
    return request.app.state.templates.TemplateResponse(request, "index.html", context)


def _download(preprint: PreprintPublic, kind: str) -> Response:
    name = f"{preprint.preprint_id}-v{preprint.version}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "md":
        return Response(
            to_markdown(preprint), media_type="text/markdown; charset=utf-8", headers=headers
        )
    return Response(
        preprint.model_dump_json(indent=2), media_type="application/json", headers=headers
    )


@router.get("/preprints/{pid}.md")
def latest_markdown(store: StoreDep, pid: Pid) -> Response:
    return _download(store.get(pid), "md")


@router.get("/preprints/{pid}.json")
def latest_json(store: StoreDep, pid: Pid) -> Response:
    return _download(store.get(pid), "json")


@router.get("/preprints/{pid}/v/{version}.md")
def version_markdown(store: StoreDep, pid: Pid, version: Version) -> Response:
    return _download(store.get(pid, version), "md")


@router.get("/preprints/{pid}/v/{version}.json")
def version_json(store: StoreDep, pid: Pid, version: Version) -> Response:
    return _download(store.get(pid, version), "json")


def _preprint_page(request: Request, store: Any, preprint: PreprintPublic) -> Response:
    md = request.app.state.markdown
    shown = referenced(preprint.body, preprint.figures)
    context = {
        "p": preprint,
        "body_html": render_markdown(md, preprint.body, preprint.figures),
        "extra_figures": [f for f in preprint.figures if f.sha256 not in shown],
        "versions": store.versions(preprint.preprint_id),
        "builds_on": store.summaries(preprint.builds_on),
        "cited_by": store.cited_by(preprint.preprint_id),
    }
    return request.app.state.templates.TemplateResponse(request, "preprint.html", context)


@router.get("/preprints/{pid}", response_class=HTMLResponse)
def preprint_page(request: Request, store: StoreDep, pid: Pid) -> Response:
    return _preprint_page(request, store, store.get(pid))


@router.get("/preprints/{pid}/v/{version}", response_class=HTMLResponse)
def version_page(request: Request, store: StoreDep, pid: Pid, version: Version) -> Response:
    return _preprint_page(request, store, store.get(pid, version))
