"""What the API routers share: error bodies for the OpenAPI document, filter parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import AfterValidator, BaseModel

from preprints import PreprintFilter, Status
from preprints._checks import check_text

MESSAGES = {
    400: "bad request",
    401: "missing or invalid lab token",
    403: "not this lab's preprint",
    404: "not found",
    409: "conflicting write",
    413: "body over the size limit",
    415: "not an accepted image type",
}

CleanText = Annotated[str, AfterValidator(check_text)]


class ErrorBody(BaseModel):
    detail: str


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": MESSAGES[code]} for code in codes}


def preprint_filter(
    status: Annotated[
        Status | None, Query(description="submitted, verified, rejected or flagged")
    ] = None,
    goal: Annotated[CleanText | None, Query(max_length=200)] = None,
    task: Annotated[CleanText | None, Query(max_length=200)] = None,
    lab: Annotated[CleanText | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="posted at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="posted before (ISO 8601)")] = None,
) -> PreprintFilter:
    return PreprintFilter(status=status, goal=goal, task=task, lab=lab, since=since, until=until)


FilterDep = Annotated[PreprintFilter, Depends(preprint_filter)]
