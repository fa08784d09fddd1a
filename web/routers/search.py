"""``/api/search``: full-text, embedding or hybrid search with filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from preprints import SearchMode, SearchResults
from web.deps import StoreDep
from web.routers._common import CleanText, FilterDep, responses

router = APIRouter(prefix="/api/search", tags=["search"])


@router.get("", response_model=SearchResults, responses=responses(400))
def search(
    store: StoreDep,
    filters: FilterDep,
    q: Annotated[CleanText, Query(max_length=500, description="words or a question")],
    mode: SearchMode = SearchMode.hybrid,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResults:
    """Ranked hits with scores (0..1) and snippets (HTML-escaped, matches in ``<mark>``)."""
    return store.search(q, mode=mode, filters=filters, limit=limit)
