"""What a lab carries from phase to phase (LangGraph's typed state) and the structured records
its roles produce. Records are pydantic models; the state holds them as plain dicts so
LangGraph's SQLite checkpointer can save and load them."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from pydantic import BaseModel, Field

Phase = Literal[
    "review", "plan", "experiment", "interpret", "write", "submit", "revise", "done", "failed"
]


class Related(BaseModel):
    """A preprint the review step read."""

    id: str
    title: str
    lab: str
    status: str
    accuracy: float | None = None
    architecture: dict[str, Any] | None = None
    space: str | None = None


class Review(BaseModel):
    """What the store says: what is known, what failed, what to build on."""

    known: str = Field(description="what earlier preprints established, with their ids")
    failed: str = Field(default="", description="what was tried and did not hold up")
    builds_on: list[str] = Field(default_factory=list, description="preprint ids to build on")


class Plan(BaseModel):
    """The lead's idea for this lab's experiment."""

    hypothesis: str = Field(min_length=10, max_length=1_000)
    kind: Literal["architecture", "allocation"] = Field(
        default="architecture", description="an architecture search, or an allocation study"
    )
    space: str = Field(description="a search space name (search/spaces) or file")
    sampler: Literal["random", "tpe", "nsga2"] = "tpe"
    proposer: Literal["agent", "tpe", "random"] = Field(
        default="agent", description="what proposes allocations (allocation studies only)"
    )
    trials: int = Field(ge=1, le=200)
    search_share: float = Field(
        default=0.8, gt=0, le=0.95, description="share of the lab budget the search may spend"
    )
    builds_on: list[str] = Field(default_factory=list)
    starting_points: list[dict[str, Any]] = Field(
        default_factory=list, description="architectures from cited preprints, run on dev first"
    )


class Interpretation(BaseModel):
    """What the experiment showed, on the dev split only."""

    summary: str
    beats_baseline: bool
    caveats: list[str] = Field(default_factory=list)


class Critique(BaseModel):
    """The reviewer's reading of a draft."""

    problems: list[str] = Field(default_factory=list)
    ok: bool = True


class LabState(TypedDict, total=False):
    goal_id: str
    lab: str
    index: int
    phase: Phase
    related: list[dict[str, Any]]
    review: dict[str, Any]
    plan: dict[str, Any]
    experiment: dict[str, Any]
    interpretation: dict[str, Any]
    report: dict[str, Any]
    preprint_id: str
    version: int
    decision: str
    reasons: list[str]
    revisable: bool
    revisions: int
    fallbacks: list[str]
    wrote_with_model: bool
