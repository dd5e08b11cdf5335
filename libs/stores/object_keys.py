"""The one rule for object keys, shared by both object stores."""

from __future__ import annotations

from libs.errors import InvalidRequestError

MAX_KEY_LENGTH = 1024


def check_key(key: str) -> str:
    """A key is '/'-separated segments of visible names: no empty, '.'-leading ('..'), or absolute parts.

    Both object stores apply this rule, so a key valid on a laptop is valid on S3 and the other way round.
    """
    segments = key.split("/")
    if (
        not key
        or len(key) > MAX_KEY_LENGTH
        or any(not segment or segment.startswith(".") for segment in segments)
        or any(char in key for char in ("\\", "\x00"))
    ):
        raise InvalidRequestError(f"invalid object key {key!r}")
    return key
