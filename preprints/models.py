"""The store's tables as SQLModel families: ``XBase / XCreate / X(table=True) / XPublic``.

A revision is a new ``Preprint`` row (same ``preprint_id``, next ``version``); content rows are
never updated. Only ``status``, ``is_latest`` and ``updated_at`` change, and only through the store.
The schema itself is created by the alembic migration in ``preprints/migrations``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, StringConstraints
from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from preprints._checks import CheckedInput, utcnow

PreprintRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
LabName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
FileName = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^/\\]+$")]
Severity = Literal["info", "warning", "critical"]
FigureType = Literal["image/png", "image/jpeg", "image/gif", "image/webp"]


class Status(StrEnum):
    """Where a preprint stands with the gate. Only the gate moves it off ``submitted``."""

    submitted = "submitted"
    verified = "verified"
    rejected = "rejected"
    flagged = "flagged"


# --- labs ----------------------------------------------------------------------------------
class LabBase(SQLModel):
    name: str = Field(min_length=1, max_length=64)


class LabCreate(LabBase, CheckedInput):
    name: LabName = Field(description="lower-case letters, digits, '-' and '_'")


class Lab(LabBase, table=True):
    __tablename__ = "lab"
    id: int | None = Field(default=None, primary_key=True)
    token_id: str
    token_salt: str
    token_hash: str
    created_at: datetime = Field(default_factory=utcnow)


class LabPublic(LabBase):
    created_at: datetime


# --- figures -------------------------------------------------------------------------------
class FigureBase(SQLModel):
    filename: str = Field(min_length=1, max_length=200)
    media_type: str = Field(max_length=100)


class FigureCreate(FigureBase, CheckedInput):
    filename: FileName
    media_type: FigureType


class Figure(FigureBase, table=True):
    __tablename__ = "figure"
    sha256: str = Field(primary_key=True)
    size: int
    lab: str
    created_at: datetime = Field(default_factory=utcnow)


class FigureBlob(SQLModel, table=True):
    __tablename__ = "figure_blob"
    sha256: str = Field(primary_key=True, foreign_key="figure.sha256")
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class FigurePublic(FigureBase):
    sha256: str
    size: int
    lab: str
    created_at: datetime


# --- verdicts (the gate) and flags (the monitor) ------------------------------------------
class VerdictBase(SQLModel):
    reproduced: bool
    value: float | None = Field(default=None, description="what the gate measured")
    interval_low: float | None = None
    interval_high: float | None = None
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class VerdictCreate(VerdictBase, CheckedInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    claim: int = Field(ge=0, le=10_000, description="position of the claim in the preprint")


class Verdict(VerdictBase, table=True):
    __tablename__ = "verdict"
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class VerdictPublic(VerdictBase):
    created_at: datetime


class FlagBase(SQLModel):
    kind: str = Field(min_length=1, max_length=100)
    severity: str = Field(default="warning", max_length=20)
    message: str = Field(default="", max_length=5_000)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class FlagCreate(FlagBase, CheckedInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    severity: Severity = "warning"


class Flag(FlagBase, table=True):
    __tablename__ = "flag"
    id: int | None = Field(default=None, primary_key=True)
    preprint_row: int = Field(foreign_key="preprint.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class FlagPublic(FlagBase):
    created_at: datetime


# --- claims --------------------------------------------------------------------------------
class ClaimBase(SQLModel):
    metric: str = Field(min_length=1, max_length=100)
    value: float
    split: str = Field(default="dev", min_length=1, max_length=50)
    spec: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, description="the experiment spec that reproduces it"
    )


class ClaimCreate(ClaimBase, CheckedInput):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class Claim(ClaimBase, table=True):
    __tablename__ = "claim"
    id: int | None = Field(default=None, primary_key=True)
    preprint_row: int = Field(foreign_key="preprint.id", index=True)
    position: int


class ClaimPublic(ClaimBase):
    position: int
    verdicts: list[VerdictPublic] = []


# --- preprints -----------------------------------------------------------------------------
class PreprintBase(SQLModel):
    title: str = Field(min_length=1, max_length=300)
    abstract: str = Field(default="", max_length=5_000)
    body: str = Field(default="", max_length=500_000, description="Markdown")
    goal: str | None = Field(default=None, max_length=200)
    task: str | None = Field(default=None, max_length=200)


class PreprintCreate(PreprintBase, CheckedInput):
    """What a lab posts (a first version or a revision). There is no status: the gate sets it."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    claims: list[ClaimCreate] = Field(default_factory=list, max_length=100)
    figures: list[Sha256] = Field(
        default_factory=list, max_length=50, description="sha256 of figures uploaded before"
    )
    builds_on: list[PreprintRef] = Field(
        default_factory=list, max_length=50, description="ids of preprints this one cites"
    )


class Preprint(PreprintBase, table=True):
    __tablename__ = "preprint"
    __table_args__ = (UniqueConstraint("preprint_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    preprint_id: str = Field(index=True)
    version: int
    lab: str
    status: str = Field(default=Status.submitted.value)
    is_latest: bool = True
    builds_on: list[str] = Field(default_factory=list, sa_type=JSON)
    figures: list[str] = Field(default_factory=list, sa_type=JSON)
    embedding: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class Citation(SQLModel, table=True):
    """One ``builds_on`` edge, kept as a row so "what builds on X" is one indexed query."""

    __tablename__ = "citation"
    id: int | None = Field(default=None, primary_key=True)
    citing_row: int = Field(foreign_key="preprint.id", index=True)
    cited: str = Field(index=True)
    position: int


class PreprintSummary(SQLModel):
    """A preprint version without its body, claims or figures: what lists and searches return."""

    preprint_id: str
    version: int
    title: str
    abstract: str
    lab: str
    goal: str | None
    task: str | None
    status: Status
    created_at: datetime


class PreprintPublic(PreprintBase):
    preprint_id: str
    version: int
    latest_version: int
    lab: str
    status: Status
    created_at: datetime
    first_posted_at: datetime
    builds_on: list[str]
    claims: list[ClaimPublic]
    figures: list[FigurePublic]
    flags: list[FlagPublic]
