"""Goals and their events: what a person asked for, and everything its labs did since.

A goal is stored once; its labs append events (phase changes, trials, spend, submissions,
verdicts). The web page streams them; ``rxlab resume`` reads them back.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlmodel import JSON, Column, SQLModel
from sqlmodel import Field as DBField

MAX_LABS = 8


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_goal_id() -> str:
    return "g-" + uuid.uuid4().hex[:10]


class GoalStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class GoalBudget(BaseModel):
    """The whole goal's budget; each lab gets an equal share. At least one limit is required."""

    tokens: int | None = Field(default=None, gt=0)
    calls: int | None = Field(default=None, gt=0)
    dollars: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _some_limit(self) -> GoalBudget:
        if self.tokens is None and self.calls is None and self.dollars is None:
            raise ValueError("a goal needs a budget: give tokens, calls or dollars")
        return self

    def share(self, labs: int) -> GoalBudget:
        return GoalBudget(
            tokens=self.tokens // labs if self.tokens else None,
            calls=self.calls // labs if self.calls else None,
            dollars=self.dollars / labs if self.dollars else None,
        )


class GoalSpec(BaseModel):
    """What a person asks for: text, the task to improve on, models, budget, how many labs."""

    text: str = Field(min_length=3, max_length=2_000)
    task: str = Field(default="arith", min_length=1, max_length=100)
    models: list[str] = Field(default_factory=list, max_length=8, description="task models")
    agent_model: str | None = Field(default=None, description="model the labs' roles call")
    budget: GoalBudget
    labs: int = Field(default=2, ge=1, le=MAX_LABS)
    space: str | None = Field(default=None, description="search space name or file")
    seed: int = Field(default=0, ge=0)
    stagger: bool = Field(
        default=True, description="a later lab starts once the one before it has posted a draft"
    )

    @field_validator("text")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if len(value) < 3:
            raise ValueError("describe the goal in a few words")
        return value


class Goal(SQLModel, table=True):
    __tablename__ = "goal"

    id: str = DBField(default_factory=new_goal_id, primary_key=True)
    text: str
    task: str
    spec: dict[str, Any] = DBField(default_factory=dict, sa_column=Column(JSON))
    status: str = DBField(default=GoalStatus.queued, index=True)
    error: str | None = None
    created_at: datetime = DBField(default_factory=utcnow)
    finished_at: datetime | None = None

    def goal_spec(self) -> GoalSpec:
        return GoalSpec.model_validate(self.spec)


class GoalEvent(SQLModel, table=True):
    __tablename__ = "goal_event"

    id: int | None = DBField(default=None, primary_key=True)
    goal_id: str = DBField(index=True)
    lab: str | None = None
    kind: str
    data: dict[str, Any] = DBField(default_factory=dict, sa_column=Column(JSON))
    at: datetime = DBField(default_factory=utcnow)


class EventKind(StrEnum):
    goal = "goal"  # the goal's own status changes
    phase = "phase"  # a lab entered a phase of its graph
    trial = "trial"  # a search trial finished
    spend = "spend"  # a lab's spend so far
    submission = "submission"  # a preprint was posted
    verdict = "verdict"  # the gate decided
    note = "note"  # anything a person should read (fallbacks, revisions)
    error = "error"


class EventPublic(BaseModel):
    id: int
    goal_id: str
    lab: str | None
    kind: str
    data: dict[str, Any]
    at: datetime


class GoalPublic(BaseModel):
    id: str
    text: str
    task: str
    status: str
    error: str | None
    spec: GoalSpec
    created_at: datetime
    finished_at: datetime | None
    labs: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per lab: phase, spend, budget, preprint, decision"
    )
