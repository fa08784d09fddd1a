"""Lab tokens: ``rxl_<token id>_<secret>``. The store keeps only a salted HMAC of the secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "rxl"


@dataclass(frozen=True)
class NewToken:
    token: str  # shown to the person once, never stored
    token_id: str
    salt: str
    digest: str


def digest(secret: str, salt: str) -> str:
    return hmac.new(salt.encode(), secret.encode(), hashlib.sha256).hexdigest()


def new_token() -> NewToken:
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    return NewToken(f"{PREFIX}_{token_id}_{secret}", token_id, salt, digest(secret, salt))


def parse(token: str) -> tuple[str, str] | None:
    """``(token_id, secret)`` of a well-formed token, else ``None``."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    token_id, secret = parts[1], parts[2]
    if len(token_id) != 12 or any(c not in "0123456789abcdef" for c in token_id):
        return None
    return token_id, secret


def matches(secret: str, salt: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret, salt), stored_digest)
