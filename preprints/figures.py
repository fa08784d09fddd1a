"""Figures: image files kept in the database under their sha256, checked by their first bytes."""

from __future__ import annotations

import hashlib

from pydantic import ValidationError
from sqlmodel import Session

from preprints._checks import utcnow
from preprints._read import figure_public
from preprints.errors import Invalid, NotFound, TooLarge, UnsupportedMedia
from preprints.models import Figure, FigureBlob, FigureCreate, FigurePublic

MAX_FIGURE_BYTES = 10 * 1024 * 1024
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff(data: bytes) -> str | None:
    """The image type the bytes really are, or ``None``."""
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def add_figure(
    session: Session,
    lab: str,
    filename: str,
    media_type: str,
    data: bytes,
    max_bytes: int = MAX_FIGURE_BYTES,
) -> FigurePublic:
    if len(data) > max_bytes:
        raise TooLarge(f"figure is {len(data)} bytes; the limit is {max_bytes} bytes")
    if not data:
        raise Invalid("figure is empty; send the image bytes as the request body")
    actual = sniff(data)
    if actual is None or actual != media_type.split(";")[0].strip().lower():
        raise UnsupportedMedia(
            f"figure declared as {media_type!r} but its bytes are {actual or 'not an image'}; "
            "accepted: image/png, image/jpeg, image/gif, image/webp"
        )
    try:
        meta = FigureCreate.model_validate({"filename": filename, "media_type": actual})
    except ValidationError as exc:
        raise Invalid(
            f"figure filename {filename!r} is not allowed: {exc.errors()[0]['msg']}"
        ) from exc
    sha = hashlib.sha256(data).hexdigest()
    existing = session.get(Figure, sha)
    if existing is not None:
        return figure_public(existing)
    figure = Figure(
        sha256=sha,
        filename=meta.filename,
        media_type=meta.media_type,
        size=len(data),
        lab=lab,
        created_at=utcnow(),
    )
    session.add(figure)
    session.flush()
    session.add(FigureBlob(sha256=sha, data=data))
    return figure_public(figure)


def get_figure(session: Session, sha256: str) -> tuple[FigurePublic, bytes]:
    figure = session.get(Figure, sha256)
    blob = session.get(FigureBlob, sha256)
    if figure is None or blob is None:
        raise NotFound(f"figure {sha256!r} not found")
    return figure_public(figure), blob.data
