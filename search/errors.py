"""Errors a person sees from search/; each names the bad value and what to do about it."""

from __future__ import annotations


class SearchError(ValueError):
    """Base class of every search/ error."""


class UnknownTask(SearchError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(
            f"unknown task {name!r}; known tasks: {', '.join(known)}, or 'jsonl:<path>' for a "
            "JSONL file of {'question': ..., 'answer': ...} lines. `rxlab tasks` lists them."
        )


class ArchitectureError(SearchError):
    """A malformed architecture: names the layer, the component and the field."""

    def __init__(
        self,
        message: str,
        *,
        layer: int | None = None,
        component: str | None = None,
        index: int | None = None,
        field: str | None = None,
    ) -> None:
        self.layer = layer
        self.component = component
        self.field = field
        where = []
        if layer is not None:
            where.append(f"layer {layer}")
        if component is not None or index is not None:
            slot = "component" if index is None else f"component {index}"
            where.append(f"{slot} ({component})" if component else slot)
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"architecture error at {prefix}: {message}" if prefix else message)


class SpaceError(SearchError):
    """A malformed search space: names the slot, the choice and the field."""


class BudgetTooSmall(SearchError):
    """Not even the cheapest trial of a search space fits in the budget; nothing was sent."""
