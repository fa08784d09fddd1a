"""``GoalStore``: goals and their event log in SQLite (or any SQLAlchemy URL).

Several processes may share it (``rxlab run`` writes, ``rxlab serve`` reads), so every call
opens its own session and readers poll by event id.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session, SQLModel, create_engine, select

from agents.goals.models import (
    EventKind,
    EventPublic,
    Goal,
    GoalEvent,
    GoalPublic,
    GoalSpec,
    GoalStatus,
    utcnow,
)

TABLES = (Goal.__table__, GoalEvent.__table__)  # type: ignore[attr-defined]


class UnknownGoal(LookupError):
    def __init__(self, goal_id: str) -> None:
        super().__init__(f"no goal {goal_id!r}; `rxlab goals` lists them")
        self.goal_id = goal_id


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class GoalStore:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, connect_args={"check_same_thread": False})
        if url.startswith("sqlite"):
            sa_event.listen(self.engine, "connect", _sqlite_pragmas)
        SQLModel.metadata.create_all(self.engine, tables=list(TABLES))

    @classmethod
    def at_home(cls, home: Path) -> GoalStore:
        home.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{(home / 'goals.db').resolve()}")

    def close(self) -> None:
        self.engine.dispose()

    def create(self, spec: GoalSpec) -> GoalPublic:
        goal = Goal(text=spec.text, task=spec.task, spec=spec.model_dump(mode="json"))
        with Session(self.engine) as session:
            session.add(goal)
            session.commit()
            session.refresh(goal)
            goal_id = goal.id
        self.add_event(goal_id, None, EventKind.goal, {"status": GoalStatus.queued})
        return self.get(goal_id)

    def _row(self, session: Session, goal_id: str) -> Goal:
        goal = session.get(Goal, goal_id)
        if goal is None:
            raise UnknownGoal(goal_id)
        return goal

    def get(self, goal_id: str) -> GoalPublic:
        with Session(self.engine) as session:
            goal = self._row(session, goal_id)
            events = session.exec(
                select(GoalEvent).where(GoalEvent.goal_id == goal_id).order_by(GoalEvent.id)  # type: ignore[arg-type]
            ).all()
            return GoalPublic(
                id=goal.id,
                text=goal.text,
                task=goal.task,
                status=goal.status,
                error=goal.error,
                spec=goal.goal_spec(),
                created_at=goal.created_at,
                finished_at=goal.finished_at,
                labs=lab_summaries(events),
            )

    def list(self, limit: int = 50) -> list[GoalPublic]:
        with Session(self.engine) as session:
            ids = session.exec(
                select(Goal.id).order_by(Goal.created_at.desc()).limit(limit)  # type: ignore[attr-defined]
            ).all()
        return [self.get(goal_id) for goal_id in ids]

    def set_status(self, goal_id: str, status: GoalStatus, error: str | None = None) -> None:
        with Session(self.engine) as session:
            goal = self._row(session, goal_id)
            goal.status = status
            goal.error = error
            if status in (GoalStatus.done, GoalStatus.failed):
                goal.finished_at = utcnow()
            session.add(goal)
            session.commit()
        data: dict[str, Any] = {"status": str(status)}
        if error:
            data["error"] = error
        self.add_event(goal_id, None, EventKind.goal, data)

    def add_event(
        self, goal_id: str, lab: str | None, kind: EventKind | str, data: dict[str, Any]
    ) -> EventPublic:
        row = GoalEvent(goal_id=goal_id, lab=lab, kind=str(kind), data=data)
        with Session(self.engine) as session:
            session.add(row)
            session.commit()
            session.refresh(row)
            return _public(row)

    def events(
        self, goal_id: str, after: int = 0, limit: int = 1_000
    ) -> builtins.list[EventPublic]:
        with Session(self.engine) as session:
            self._row(session, goal_id)
            rows = session.exec(
                select(GoalEvent)
                .where(GoalEvent.goal_id == goal_id, GoalEvent.id > after)  # type: ignore[operator]
                .order_by(GoalEvent.id)  # type: ignore[arg-type]
                .limit(limit)
            ).all()
            return [_public(row) for row in rows]


def _public(row: GoalEvent) -> EventPublic:
    assert row.id is not None
    return EventPublic(
        id=row.id, goal_id=row.goal_id, lab=row.lab, kind=row.kind, data=row.data, at=row.at
    )


def lab_summaries(events: Sequence[GoalEvent]) -> dict[str, dict[str, Any]]:
    """Fold a goal's events into one line per lab: phase, spend, budget, preprint, decision."""
    labs: dict[str, dict[str, Any]] = {}
    for ev in events:
        if ev.lab is None:
            continue
        lab = labs.setdefault(ev.lab, {"phase": "queued", "trials": 0})
        if ev.kind == EventKind.phase:
            lab["phase"] = ev.data.get("phase")
        elif ev.kind == EventKind.trial:
            lab["trials"] = lab.get("trials", 0) + 1
            best = ev.data.get("best")
            if best is not None:
                lab["best_dev"] = best
        elif ev.kind == EventKind.spend:
            lab["spent"] = ev.data.get("spent")
            lab["budget"] = ev.data.get("budget")
        elif ev.kind == EventKind.submission:
            lab["preprint"] = ev.data.get("preprint")
        elif ev.kind == EventKind.verdict:
            lab["decision"] = ev.data.get("decision")
        elif ev.kind == EventKind.error:
            lab["error"] = ev.data.get("message")
    return labs
