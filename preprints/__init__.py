"""The preprint store: preprints, claims, figures, verdicts, flags, lineage, and their search.

``Store(url, embedder=...)`` opens (and migrates) a database. This package imports no other part
of rxlab: the embedder is any ``Callable[[list[str]], array-like]``.
"""

from preprints.errors import (
    Conflict,
    EmbeddingsUnavailable,
    Forbidden,
    Invalid,
    NotFound,
    StoreError,
    TooLarge,
    Unauthorized,
    UnsupportedMedia,
)
from preprints.export import from_markdown, to_markdown
from preprints.models import (
    ClaimCreate,
    ClaimPublic,
    FigurePublic,
    FlagCreate,
    FlagPublic,
    LabPublic,
    PreprintCreate,
    PreprintPublic,
    PreprintSummary,
    Status,
    VerdictCreate,
    VerdictPublic,
)
from preprints.records import (
    LineageEdge,
    LineageGraph,
    PreprintFilter,
    PreprintPage,
    SearchHit,
    SearchMode,
    SearchResults,
)
from preprints.store import Store
from preprints.vectors import Embedder

__all__ = [
    "ClaimCreate",
    "ClaimPublic",
    "Conflict",
    "Embedder",
    "EmbeddingsUnavailable",
    "FigurePublic",
    "FlagCreate",
    "FlagPublic",
    "Forbidden",
    "Invalid",
    "LabPublic",
    "LineageEdge",
    "LineageGraph",
    "NotFound",
    "PreprintCreate",
    "PreprintFilter",
    "PreprintPage",
    "PreprintPublic",
    "PreprintSummary",
    "SearchHit",
    "SearchMode",
    "SearchResults",
    "Status",
    "Store",
    "StoreError",
    "TooLarge",
    "Unauthorized",
    "UnsupportedMedia",
    "VerdictCreate",
    "VerdictPublic",
    "from_markdown",
    "to_markdown",
]
