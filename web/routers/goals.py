"""``/api/goals``: launch a goal (its labs run in this server), read it, stream its events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from agents.goals import GoalPublic, GoalSpec
from web.goal_events import stream
from web.goal_runs import TERMINAL, GoalRejected, GoalsDep, launch, load_goal
from web.routers._common import ErrorBody, responses

router = APIRouter(prefix="/api/goals", tags=["goals"])

GoalId = Annotated[str, Path(max_length=64, description="a goal id such as g-0123abcd45")]
ERRORS: dict[int | str, dict[str, Any]] = {
    **responses(400, 404, 413),
    422: {"description": "a goal the server cannot run: no budget, labs out of range, bad task"},
    429: {"model": ErrorBody, "description": "this server runs as many goals as it may"},
    503: {"model": ErrorBody, "description": "this server cannot run goals (no labs installed)"},
}
STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "`id:` event id, `event:` kind, `data:` the event as JSON plus `text` "
        "(its log line) and `cell` (its lab-table value); `: heartbeat` comments when quiet",
    },
    204: {"description": "the goal has ended and there is nothing after the given event"},
    404: ERRORS[404],
}


@router.post("", status_code=201, response_model=GoalPublic, responses=ERRORS)
async def create_goal(request: Request, spec: GoalSpec, response: Response) -> GoalPublic:
    """Store the goal and start its labs in this server; follow them at ``/events``."""
    try:
        goal = await launch(request.app, spec)
    except GoalRejected as exc:
        detail = [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}]
        raise HTTPException(422, detail) from exc
    response.headers["Location"] = f"/api/goals/{goal.id}"
    return goal


@router.get("", response_model=list[GoalPublic])
def list_goals(
    goals: GoalsDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[GoalPublic]:
    """The newest goals first, each with its labs' summary."""
    return goals.list(limit)


@router.get("/{goal_id}", response_model=GoalPublic, responses=responses(404))
def get_goal(goals: GoalsDep, goal_id: GoalId) -> GoalPublic:
    """The goal, its status and per lab: phase, trials, best dev accuracy, spend, preprint."""
    return load_goal(goals, goal_id)


def _event_id(value: str | None) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else 0


@router.get("/{goal_id}/events", response_class=StreamingResponse, responses=STREAM_DOC)
async def goal_events(
    request: Request,
    goals: GoalsDep,
    goal_id: GoalId,
    after: Annotated[int, Query(ge=0, le=2**62, description="only events after this id")] = 0,
    last_event_id: Annotated[str | None, Header(description="set by EventSource")] = None,
) -> Response:
    """Server-sent events: the goal's events after ``after`` (or ``Last-Event-ID``), live,
    until the goal is done or failed."""
    start = max(after, _event_id(last_event_id))
    goal = await run_in_threadpool(load_goal, goals, goal_id)
    if goal.status in TERMINAL and not await run_in_threadpool(goals.events, goal_id, start, 1):
        return Response(status_code=204)  # tells an EventSource not to reconnect
    return StreamingResponse(
        stream(goals, goal_id, start, request.app.state.goal_stream),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
