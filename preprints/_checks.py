"""Input hygiene shared by every record a client can send: text and JSON a database can keep."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from pydantic import field_validator
from sqlmodel import SQLModel

MAX_JSON_DEPTH = 32


def utcnow() -> datetime:
    """Aware UTC now (SQLModel stores aware datetimes and returns them in UTC)."""
    return datetime.now(UTC)


def as_naive_utc(value: datetime) -> datetime:
    """A datetime converted to naive UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def as_aware_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters (\\x00); remove them")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            "text must be valid Unicode: it has an unpaired surrogate; send UTF-8"
        ) from exc
    return value


def check_json(value: Any, depth: int = 0) -> Any:
    """Reject what a JSON column or a JSON response cannot hold: NaN, infinities, bad text."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels; flatten it")
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"numbers must be finite, got {value}")
    if isinstance(value, dict):
        for key, item in value.items():
            check_json(key, depth + 1)
            check_json(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            check_json(item, depth + 1)
    return value


class CheckedInput(SQLModel):
    """Mixin for records clients send: every field is checked by :func:`check_json`."""

    @field_validator("*", mode="after")
    @classmethod
    def _check_field(cls, value: Any) -> Any:
        return check_json(value)
