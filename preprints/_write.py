"""Writing preprints: a first version, a revision (a new row), and the gate's decision."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import true
from sqlmodel import Session, col, select

from preprints._checks import utcnow
from preprints._read import find_row
from preprints.errors import Forbidden, Invalid
from preprints.models import (
    Citation,
    Claim,
    Figure,
    Flag,
    FlagCreate,
    Preprint,
    PreprintCreate,
    Status,
    Verdict,
    VerdictCreate,
)

CONTENT_FIELDS = {"title", "abstract", "body", "goal", "task"}


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def check_references(session: Session, data: PreprintCreate, own_id: str | None = None) -> None:
    """Every ``builds_on`` id and every figure must exist; a preprint cannot cite itself."""
    if own_id is not None and own_id in data.builds_on:
        raise Invalid(f"preprint {own_id!r} cannot build on itself; remove it from builds_on")
    cited = set(data.builds_on)
    if cited:
        known = set(
            session.exec(select(Preprint.preprint_id).where(col(Preprint.preprint_id).in_(cited)))
        )
        if unknown := sorted(cited - known):
            raise Invalid(f"builds_on names preprints that do not exist: {', '.join(unknown)}")
    shas = set(data.figures)
    if shas:
        known = set(session.exec(select(Figure.sha256).where(col(Figure.sha256).in_(shas))))
        if unknown := sorted(shas - known):
            raise Invalid(
                f"figures not uploaded yet: {', '.join(unknown)}; upload each with "
                "POST /api/figures first and list the sha256 it returns"
            )


def new_preprint_id(session: Session) -> str:
    while True:
        candidate = f"rx-{secrets.token_hex(5)}"
        used = session.exec(select(Preprint.id).where(Preprint.preprint_id == candidate)).first()
        if used is None:
            return candidate


def insert_version(
    session: Session,
    *,
    preprint_id: str,
    version: int,
    lab: str,
    data: PreprintCreate,
    embedding: bytes | None,
) -> Preprint:
    now = utcnow()
    row = Preprint(
        **data.model_dump(include=CONTENT_FIELDS),
        preprint_id=preprint_id,
        version=version,
        lab=lab,
        status=Status.submitted.value,
        is_latest=True,
        builds_on=_unique(data.builds_on),
        figures=_unique(data.figures),
        embedding=embedding,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    for position, claim in enumerate(data.claims):
        session.add(Claim(**claim.model_dump(), preprint_row=row.id, position=position))
    for position, cited in enumerate(row.builds_on):
        session.add(Citation(citing_row=row.id, cited=cited, position=position))
    return row


def retire_latest(session: Session, lab: str, preprint_id: str) -> Preprint:
    """The latest version, checked to belong to ``lab``, marked as no longer the latest."""
    latest = find_row(session, preprint_id)
    if latest.lab != lab:
        raise Forbidden(
            f"preprint {preprint_id!r} belongs to lab {latest.lab!r}; lab {lab!r} can only "
            "revise its own preprints (cite it in builds_on instead)"
        )
    latest.is_latest = False
    latest.updated_at = utcnow()
    session.add(latest)
    session.flush()
    return latest


def _check_decision(
    claims: dict[int, Claim],
    status: Status,
    verdicts: Sequence[VerdictCreate],
    flags: Sequence[FlagCreate],
) -> None:
    if bad := sorted({v.claim for v in verdicts} - set(claims)):
        raise Invalid(f"verdicts name claims {bad}, but the preprint has {len(claims)} claims")
    if status is Status.verified:
        reproduced = {v.claim for v in verdicts if v.reproduced}
        if missing := sorted(set(claims) - reproduced):
            raise Invalid(
                f"'verified' needs a reproduced verdict for every claim; missing {missing}"
            )
        if any(f.severity == "critical" for f in flags):
            raise Invalid("'verified' cannot come with a critical flag; use 'flagged'")


def record_decision(
    session: Session,
    preprint_id: str,
    version: int | None,
    status: Status,
    verdicts: Sequence[VerdictCreate],
    flags: Sequence[FlagCreate],
) -> Preprint:
    row = find_row(session, preprint_id, version)
    assert row.id is not None
    claims = {
        c.position: c for c in session.exec(select(Claim).where(Claim.preprint_row == row.id))
    }
    _check_decision(claims, status, verdicts, flags)
    now = utcnow()
    for verdict in verdicts:
        fields = verdict.model_dump(exclude={"claim"})
        claim_id = claims[verdict.claim].id
        assert claim_id is not None
        session.add(Verdict(**fields, claim_id=claim_id, created_at=now))
    for flag in flags:
        session.add(Flag(**flag.model_dump(), preprint_row=row.id, created_at=now))
    row.status = status.value
    row.updated_at = now
    session.add(row)
    return row


def latest_rows_without_embedding(session: Session, limit: int) -> list[Preprint]:
    query = select(Preprint).where(
        col(Preprint.is_latest) == true(), col(Preprint.embedding).is_(None)
    )
    return list(session.exec(query.limit(limit)))
