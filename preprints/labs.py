"""Labs and their tokens: create a lab (the token is returned once), check a token."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session, select

from preprints import tokens
from preprints._checks import as_aware_utc, utcnow
from preprints.errors import Conflict, Invalid, NotFound
from preprints.models import Lab, LabCreate, LabPublic


def lab_public(lab: Lab) -> LabPublic:
    return LabPublic(name=lab.name, created_at=as_aware_utc(lab.created_at))


def create_lab(session: Session, name: str) -> tuple[Lab, str]:
    try:
        LabCreate(name=name)
    except ValidationError as exc:
        raise Invalid(
            f"lab name {name!r} is not allowed: use 1-64 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit"
        ) from exc
    if session.exec(select(Lab).where(Lab.name == name)).first() is not None:
        raise Conflict(f"lab {name!r} exists already; pick another name")
    token = tokens.new_token()
    lab = Lab(
        name=name,
        token_id=token.token_id,
        token_salt=token.salt,
        token_hash=token.digest,
        created_at=utcnow(),
    )
    session.add(lab)
    return lab, token.token


def rotate_token(session: Session, name: str) -> str:
    lab = session.exec(select(Lab).where(Lab.name == name)).first()
    if lab is None:
        raise NotFound(f"lab {name!r} not found; create it with `rxlab labs create {name}`")
    token = tokens.new_token()
    lab.token_id, lab.token_salt, lab.token_hash = token.token_id, token.salt, token.digest
    session.add(lab)
    return token.token


def authenticate(session: Session, token: str) -> Lab | None:
    parsed = tokens.parse(token)
    if parsed is None:
        return None
    token_id, secret = parsed
    lab = session.exec(select(Lab).where(Lab.token_id == token_id)).first()
    if lab is None or not tokens.matches(secret, lab.token_salt, lab.token_hash):
        return None
    return lab
