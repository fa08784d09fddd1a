"""Goals: what a person asks for, stored with the event log of the labs that work on it."""

from agents.goals.models import (
    EventKind,
    EventPublic,
    GoalBudget,
    GoalPublic,
    GoalSpec,
    GoalStatus,
)
from agents.goals.store import GoalStore, UnknownGoal

__all__ = [
    "EventKind",
    "EventPublic",
    "GoalBudget",
    "GoalPublic",
    "GoalSpec",
    "GoalStatus",
    "GoalStore",
    "UnknownGoal",
]
