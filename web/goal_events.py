"""A goal's events as people read them, and as a server-sent events stream.

Each streamed event is ``id: <event id>``, ``event: <kind>`` and ``data: <JSON>``, where the JSON
is the stored event (``id, goal_id, lab, kind, data, at``) plus ``text`` (the log line) and
``cell`` (what the event puts in its lab's row on the goal page). The server formats both, so
the page's script only places them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from agents.goals import EventPublic, GoalStore, UnknownGoal
from web.goal_runs import TERMINAL, StreamSettings

BATCH = 500
LIMITS = (
    ("tokens", "tokens", "{:,.0f}"),
    ("calls", "calls", "{:,.0f}"),
    ("dollars", "", "${:.4f}"),
)


def number(value: Any, fmt: str = "{:.3f}") -> str:
    return (
        fmt.format(value)
        if isinstance(value, int | float)
        else ("" if value is None else str(value))
    )


def spend_text(spent: Any, budget: Any) -> str:
    """``1,234 / 10,000 tokens · $0.0012 / $0.5000``: each limit the budget sets, or was spent."""
    spent = spent if isinstance(spent, Mapping) else {}
    budget = budget if isinstance(budget, Mapping) else {}
    parts = []
    for key, unit, fmt in LIMITS:
        used, limit = spent.get(key), budget.get(key)
        if limit is None and not used:
            continue
        text = number(used or 0, fmt) + (f" / {number(limit, fmt)}" if limit is not None else "")
        parts.append(f"{text} {unit}".strip())
    return " · ".join(parts)


def _message(data: Mapping[str, Any]) -> str:
    return str(data.get("message", ""))


def _verdict(data: Mapping[str, Any]) -> str:
    reasons = data.get("reasons") or []
    why = "; ".join(map(str, reasons)) if isinstance(reasons, list) else str(reasons)
    text = f"the gate says {data.get('decision')} for {data.get('preprint')}"
    return f"{text}: {why}" if why else text


def _trial(data: Mapping[str, Any]) -> str:
    text = f"trial {data.get('number')}: dev accuracy {number(data.get('accuracy'))}"
    if data.get("best") is not None:
        text += f", best {number(data.get('best'))}"
    return text + f", {number(data.get('tokens'), '{:,.0f}')} tokens"


def _goal(data: Mapping[str, Any]) -> str:
    error = data.get("error")
    return f"goal {data.get('status')}" + (f": {error}" if error else "")


TEXT = {
    "goal": _goal,
    "phase": lambda d: f"phase {d.get('phase')}",
    "trial": _trial,
    "spend": lambda d: f"spent {spend_text(d.get('spent'), d.get('budget'))}",
    "submission": lambda d: f"submitted {d.get('preprint')} v{d.get('version')}: {d.get('title')}",
    "verdict": _verdict,
    "note": _message,
    "error": lambda d: f"error: {_message(d)}",
}
CELL = {
    "phase": lambda d: str(d.get("phase", "")),
    "trial": lambda d: number(d.get("best")),
    "spend": lambda d: spend_text(d.get("spent"), d.get("budget")),
    "submission": lambda d: str(d.get("preprint", "")),
    "verdict": lambda d: str(d.get("decision", "")),
    "error": _message,
}


def describe(event: EventPublic) -> str:
    """The event's line in the goal's log."""
    text = TEXT.get(event.kind, lambda d: f"{event.kind} {json.dumps(d)}")(event.data)
    return f"{event.lab}: {text}" if event.lab else text


def cell(event: EventPublic) -> str:
    make = CELL.get(event.kind)
    return make(event.data) if make else ""


def is_final(event: EventPublic) -> bool:
    return event.kind == "goal" and event.lab is None and event.data.get("status") in TERMINAL


def sse(event: EventPublic) -> str:
    payload = {**event.model_dump(mode="json"), "text": describe(event), "cell": cell(event)}
    data = json.dumps(payload, separators=(",", ":"))  # one line: JSON escapes newlines
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n"


async def stream(
    goals: GoalStore, goal_id: str, after: int, settings: StreamSettings
) -> AsyncIterator[str]:
    """The goal's events after ``after``, polled from the database until the goal ends.

    Each poll opens and closes its own session (another process may be writing); nothing is
    held while sleeping. A heartbeat comment goes out when nothing else has for a while.
    """
    yield f"retry: {settings.retry_ms}\n\n"
    started = quiet_since = time.monotonic()
    while time.monotonic() - started < settings.max_s:
        try:
            batch = await run_in_threadpool(goals.events, goal_id, after, BATCH)
        except UnknownGoal:
            return
        for event in batch:
            yield sse(event)
            after = event.id
        if any(is_final(event) for event in batch):
            return
        if batch:
            quiet_since = time.monotonic()
            if len(batch) == BATCH:
                continue
        elif time.monotonic() - quiet_since >= settings.heartbeat_s:
            yield ": heartbeat\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(settings.poll_s)
