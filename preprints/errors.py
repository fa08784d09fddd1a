"""Errors the store raises; each names the bad value and what to do. The web maps them to 4xx."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every preprint-store error."""


class NotFound(StoreError):
    """A preprint, version, figure or lab that does not exist (HTTP 404)."""


class Unauthorized(StoreError):
    """No lab token, or a token that matches no lab (HTTP 401)."""


class Forbidden(StoreError):
    """A lab acting on something that is not its own (HTTP 403)."""


class Invalid(StoreError):
    """Input that is well-formed but refers to something wrong (HTTP 422)."""


class Conflict(StoreError):
    """A write that collides with another one, such as a lab name already taken (HTTP 409)."""


class TooLarge(StoreError):
    """An upload over the store's size limit (HTTP 413)."""


class UnsupportedMedia(StoreError):
    """A figure that is not one of the accepted image types (HTTP 415)."""


class EmbeddingsUnavailable(StoreError):
    """Embedding search asked of a store that was opened without an embedder (HTTP 400)."""

    def __init__(self) -> None:
        super().__init__(
            "embedding search needs an embedder, and this store has none: open the store with "
            "embedder=kernels.embeddings.embed (the web app and `rxlab` do), or search with "
            "mode='text'."
        )
