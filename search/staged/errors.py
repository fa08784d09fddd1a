"""Errors a person sees from allocations; each names the stage, the bad value and what to do."""

from __future__ import annotations

from search.errors import BudgetTooSmall, SearchError


class AllocationError(SearchError):
    """A malformed allocation or staged task: names the stage and the field."""

    def __init__(self, message: str, *, stage: str | None = None, field: str | None = None):
        self.stage = stage
        self.field = field
        where = []
        if stage is not None:
            where.append(f"stage {stage!r}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"allocation error at {prefix}: {message}" if prefix else message)


class AllocationTooCostly(BudgetTooSmall):
    """The allocation's worst case does not fit in the budget; ``stage`` is where it breaks."""

    def __init__(self, message: str, *, stage: str) -> None:
        self.stage = stage
        super().__init__(message)


class UnknownStagedTask(SearchError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(
            f"unknown staged task {name!r}; known: {', '.join(known)}, or the path of a YAML/JSON "
            "file that declares stages (see search/staged/declared.py)"
        )
