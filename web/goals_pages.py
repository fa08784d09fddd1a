"""Goal pages, server-rendered so they work without JavaScript: the list, the form that launches
a goal, and a goal's page (its labs' table and event log; ``/static/goal.js`` keeps it live)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from agents.goals import EventPublic, GoalPublic, GoalSpec
from agents.goals.models import MAX_LABS
from web.deps import StoreDep
from web.goal_events import describe, number, spend_text
from web.goal_runs import GoalRejected, GoalsDep, launch, load_goal

router = APIRouter(include_in_schema=False)
GoalId = Annotated[str, Path(max_length=64)]
LOG_LIMIT = 1_000
FORM_FIELDS = ("text", "task", "labs", "budget_tokens", "model", "agent_model")


def _form_defaults() -> dict[str, str]:
    from rxlab.settings import get_settings

    settings = get_settings()
    tokens = settings.budget_tokens or 200_000
    return {"text": "", "task": "arith", "labs": "2", "budget_tokens": str(tokens)} | {
        "model": "",
        "agent_model": "",
        "default_model": settings.task_model,
        "default_agent_model": settings.agent_model,
    }


def _form_page(
    request: Request, values: dict[str, str], errors: list[str], status: int
) -> Response:
    from search import list_tasks

    context = {"values": values, "errors": errors, "tasks": list_tasks(), "max_labs": MAX_LABS}
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "goal_new.html", context, status_code=status)


def _cross_site(request: Request) -> bool:
    """A form post another site made this browser send (it would spend this server's budget)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc != request.headers.get("host")


async def _read_form(request: Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(
            415, f"send the form as application/x-www-form-urlencoded, not {kind!r}"
        )
    parsed = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {name: parsed.get(name, [""])[0].strip() for name in FORM_FIELDS}


def _spec(values: dict[str, str]) -> GoalSpec:
    data: dict[str, Any] = {
        "text": values["text"],
        "task": values["task"],
        "labs": values["labs"] or None,
        "budget": {"tokens": values["budget_tokens"] or None},
        "models": [values["model"]] if values["model"] else [],
        "agent_model": values["agent_model"] or None,
    }
    return GoalSpec.model_validate({k: v for k, v in data.items() if v is not None})


def _messages(exc: ValidationError) -> list[str]:
    names = {"budget": "budget tokens", "models": "task model"}
    out = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "goal"
        out.append(f"{names.get(field, field)}: {error['msg']}")
    return out


@router.get("/goals", response_class=HTMLResponse)
def goals_page(request: Request, goals: GoalsDep) -> Response:
    context = {"goals": goals.list(100)}
    return request.app.state.templates.TemplateResponse(request, "goals.html", context)


@router.get("/goals/new", response_class=HTMLResponse)
def new_goal_page(request: Request) -> Response:
    return _form_page(request, _form_defaults(), [], 200)


@router.post("/goals", response_class=HTMLResponse)
async def create_goal_from_form(request: Request) -> Response:
    if _cross_site(request):
        raise HTTPException(403, "goals are launched from this site's own form at /goals/new")
    values = _form_defaults() | await _read_form(request)
    try:
        goal = await launch(request.app, _spec(values))
    except ValidationError as exc:
        return _form_page(request, values, _messages(exc), 422)
    except GoalRejected as exc:
        return _form_page(request, values, [f"{exc.field}: {exc}"], 422)
    return RedirectResponse(f"/goals/{goal.id}", status_code=303)


def lab_rows(goal: GoalPublic, titles: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, lab in sorted(goal.labs.items()):
        preprint = lab.get("preprint")
        summary = titles.get(preprint) if preprint else None
        rows.append(
            {
                "name": name,
                "phase": lab.get("phase") or "",
                "error": lab.get("error") or "",
                "trials": lab.get("trials", 0),
                "best": number(lab.get("best_dev")),
                "spend": spend_text(lab.get("spent"), lab.get("budget")),
                "preprint": preprint,
                "title": summary.title if summary else preprint,
                "decision": lab.get("decision") or (summary.status.value if summary else ""),
            }
        )
    return rows


def log_lines(events: list[EventPublic]) -> list[dict[str, Any]]:
    return [
        {"id": ev.id, "kind": ev.kind, "time": ev.at.strftime("%H:%M:%S"), "text": describe(ev)}
        for ev in events
    ]


@router.get("/goals/{goal_id}", response_class=HTMLResponse)
async def goal_page(
    request: Request, goals: GoalsDep, store: StoreDep, goal_id: GoalId
) -> Response:
    goal = await run_in_threadpool(load_goal, goals, goal_id)
    events = await run_in_threadpool(goals.events, goal_id, 0, LOG_LIMIT)
    pids = [lab["preprint"] for lab in goal.labs.values() if lab.get("preprint")]
    titles = await run_in_threadpool(store.summaries, pids) if pids else {}
    context = {
        "goal": goal,
        "share": goal.spec.budget.share(goal.spec.labs),
        "rows": lab_rows(goal, titles),
        "events": log_lines(events),
        "last_id": events[-1].id if events else 0,
        "log_full": len(events) == LOG_LIMIT,
    }
    return request.app.state.templates.TemplateResponse(request, "goal.html", context)
