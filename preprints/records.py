"""Records for reading the store: filters, pages of results, search hits and the lineage graph."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from preprints.models import PreprintSummary, Status


class SearchMode(StrEnum):
    """How a query is matched: words (full text), meaning (embeddings) or both fused."""

    text = "text"
    embedding = "embedding"
    hybrid = "hybrid"


class PreprintFilter(BaseModel):
    """Filters on the latest version of each preprint; ``None`` means any."""

    status: Status | None = None
    goal: str | None = None
    task: str | None = None
    lab: str | None = None
    since: datetime | None = Field(default=None, description="posted at or after")
    until: datetime | None = Field(default=None, description="posted before")


class PreprintPage(BaseModel):
    items: list[PreprintSummary]
    total: int
    limit: int
    offset: int


class SearchHit(BaseModel):
    preprint: PreprintSummary
    score: float = Field(description="0..1, higher is better, comparable within one result list")
    snippet: str = Field(description="HTML-escaped text; matched words wrapped in <mark>")
    scores: dict[str, float] = Field(
        default_factory=dict, description="the per-method scores that were fused (text, embedding)"
    )


class SearchResults(BaseModel):
    query: str
    mode: SearchMode = Field(description="the mode that was used")
    hits: list[SearchHit]


class LineageEdge(BaseModel):
    citing: str
    cited: str


class LineageGraph(BaseModel):
    """Preprints around ``root``: what it builds on and what builds on it, to ``depth`` steps."""

    root: str
    nodes: list[PreprintSummary]
    edges: list[LineageEdge]
    missing: list[str] = Field(default_factory=list, description="cited ids not in this store")
