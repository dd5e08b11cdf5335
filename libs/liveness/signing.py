"""Binding a submission to its transaction: per-transaction keys and the signed canonical text.

key       = HMAC-SHA256(server_secret, transactionId)     (derived, never stored)
signature = HMAC-SHA256(key, canonical text)               (hex)

The canonical text names the transaction, a client nonce, the number of frames and the sha256 of every frame
and of the video, so a submission replayed under another transaction, with frames swapped, added, removed or
edited, or with another video, no longer matches. PROTOCOL.md §3 describes the same for clients.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

CANONICAL_VERSION = "visage-liveness-v1"
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_SIGNATURE_PATTERN = re.compile(r"[0-9a-fA-F]{64}")


def transaction_key(secret: bytes, transaction_id: str) -> bytes:
    """The 32-byte signing key of one transaction."""
    return hmac.new(secret, transaction_id.encode("utf-8"), hashlib.sha256).digest()


def canonical_submission(
    transaction_id: str, nonce: str, frames: Sequence[bytes], video: bytes | None
) -> bytes:
    lines = [
        CANONICAL_VERSION,
        transaction_id,
        nonce,
        str(len(frames)),
        *(hashlib.sha256(frame).hexdigest() for frame in frames),
        hashlib.sha256(video).hexdigest() if video else "",
    ]
    return "\n".join(lines).encode("utf-8")


def sign_submission(
    key: bytes, transaction_id: str, nonce: str, frames: Sequence[bytes], video: bytes | None = None
) -> str:
    """The hex signature a client sends (used by tests and native clients written in Python)."""
    message = canonical_submission(transaction_id, nonce, frames, video)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def is_well_formed_signature(signature: str) -> bool:
    return _SIGNATURE_PATTERN.fullmatch(signature) is not None


def signature_matches(
    key: bytes,
    signature: str,
    transaction_id: str,
    nonce: str,
    frames: Sequence[bytes],
    video: bytes | None,
) -> bool:
    """Constant-time comparison of `signature` (hex, either case) with the expected one."""
    expected = sign_submission(key, transaction_id, nonce, frames, video)
    return hmac.compare_digest(expected, signature.lower())
