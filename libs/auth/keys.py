"""API keys: `vsk_<id>_<secret>`. Only an HMAC of the secret is stored; the id names the key in logs.

The HMAC's key is a server-side pepper, so a copy of the key table alone cannot be used to test guesses: a
random 256-bit secret needs no slow hash, and HMAC-SHA256 costs a microsecond on every request where
argon2 would cost tens of milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from libs.auth.scopes import Scope

PREFIX = "vsk"
_ID_BYTES = 6  # 12 hex characters: unique enough among keys, short enough to read in a log line
_SECRET_BYTES = 32
_KEY = re.compile(rf"{PREFIX}_([0-9a-f]{{{2 * _ID_BYTES}}})_([A-Za-z0-9_-]{{43}})")


@dataclass(frozen=True)
class KeyLimitValues:
    """A key's own limits; None = the gateway's default for that limit."""

    requests_per_second: int | None = None
    max_concurrent: int | None = None
    max_images_per_request: int | None = None
    max_faces_per_image: int | None = None

    def as_fields(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in LIMIT_FIELDS}


LIMIT_FIELDS = ("requests_per_second", "max_concurrent", "max_images_per_request", "max_faces_per_image")


@dataclass(frozen=True)
class ApiKey:
    id: str
    tenant: str
    name: str
    scopes: frozenset[Scope]
    secret_hash: str  # hex HMAC-SHA256(pepper, id:secret)
    created_at: int  # epoch ms
    revoked_at: int | None = None
    # Limits of this key; None = the gateway's defaults.
    requests_per_second: int | None = None
    max_concurrent: int | None = None
    max_images_per_request: int | None = None
    max_faces_per_image: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class PresentedKey:
    """A key as a client sent it, split; the secret is never logged."""

    id: str
    secret: str = ""

    def __repr__(self) -> str:
        return f"PresentedKey(id={self.id!r})"


def parse_key(text: str) -> PresentedKey | None:
    found = _KEY.fullmatch(text.strip())
    return PresentedKey(found.group(1), found.group(2)) if found else None


def secret_hash(pepper: bytes, key_id: str, secret: str) -> str:
    return hmac.new(pepper, f"{key_id}:{secret}".encode(), hashlib.sha256).hexdigest()


def matches(key: ApiKey, presented: PresentedKey, pepper: bytes) -> bool:
    """Constant-time comparison of the presented secret's HMAC with the stored one."""
    return hmac.compare_digest(key.secret_hash, secret_hash(pepper, presented.id, presented.secret))


def issue(
    pepper: bytes,
    tenant: str,
    name: str,
    scopes: frozenset[Scope],
    now: int,
    limits: KeyLimitValues | None = None,
) -> tuple[ApiKey, str]:
    """A new key record and the key's text, which is shown once and never stored."""
    key_id, secret = secrets.token_hex(_ID_BYTES), secrets.token_urlsafe(_SECRET_BYTES)
    record = ApiKey(
        id=key_id,
        tenant=tenant,
        name=name,
        scopes=scopes,
        secret_hash=secret_hash(pepper, key_id, secret),
        created_at=now,
        **(limits or KeyLimitValues()).as_fields(),
    )
    return record, f"{PREFIX}_{key_id}_{secret}"
