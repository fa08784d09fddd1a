"""Small query helpers shared by reading, searching and writing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, true
from sqlmodel import col

from preprints._checks import as_aware_utc
from preprints.models import Preprint, PreprintSummary, Status
from preprints.records import PreprintFilter

SUMMARY_COLUMNS: tuple[Any, ...] = (
    Preprint.id,
    Preprint.preprint_id,
    Preprint.version,
    Preprint.title,
    Preprint.abstract,
    Preprint.lab,
    Preprint.goal,
    Preprint.task,
    Preprint.status,
    Preprint.created_at,
)
PASSAGE_CHARS = 2000  # of the body, fetched with a search hit to cut its passage from
HIT_COLUMNS: tuple[Any, ...] = (
    *SUMMARY_COLUMNS,
    func.substr(col(Preprint.body), 1, PASSAGE_CHARS).label("body_start"),
)
"""``SUMMARY_COLUMNS`` and the start of the body, which a search hit's passage may come from."""


def filter_clauses(filters: PreprintFilter, latest_only: bool = True) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if latest_only:
        clauses.append(col(Preprint.is_latest) == true())
    if filters.status is not None:
        clauses.append(col(Preprint.status) == filters.status.value)
    for name in ("goal", "task", "lab"):
        value = getattr(filters, name)
        if value is not None:
            clauses.append(col(getattr(Preprint, name)) == value)
    if filters.since is not None:
        clauses.append(col(Preprint.created_at) >= as_aware_utc(filters.since))
    if filters.until is not None:
        clauses.append(col(Preprint.created_at) < as_aware_utc(filters.until))
    return clauses


def summary(row: Any) -> PreprintSummary:
    """A ``PreprintSummary`` from a row of ``SUMMARY_COLUMNS`` or a ``Preprint``."""
    return PreprintSummary(
        preprint_id=row.preprint_id,
        version=row.version,
        title=row.title,
        abstract=row.abstract,
        lab=row.lab,
        goal=row.goal,
        task=row.task,
        status=Status(row.status),
        created_at=as_aware_utc(row.created_at),
    )
