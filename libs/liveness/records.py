"""A liveness transaction as stored: its states, and the record the use cases pass around."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from libs.tenants import DEFAULT_TENANT


class State(StrEnum):
    STARTED = "started"  # waiting for its one submission
    PROCESSING = "processing"  # a submission is being decided (claimed atomically: one at a time)
    DECIDED = "decided"  # status and code are final
    DELETING = "deleting"  # invisible; its objects and row are being removed


class LivenessType:
    """Regula LivenessType wire values."""

    ACTIVE = 0
    PASSIVE = 1
    PASSIVE_WITH_BLINK = 2  # Regula 8.3: passive, and the frames must show a blink (blink.py)


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    id: str
    tag: str
    type: int  # LivenessType
    state: State
    status: int | None  # 0 confirmed, 1 not; None until decided
    code: int  # FaceSDKResultCode
    failed_checks: tuple[str, ...]
    challenge: tuple[str, ...]  # ACTIVE: the turns asked for
    metadata: dict[str, Any]  # the client's, as sent at start
    label_tenant: str  # Regula's `tenant` label, as the client sent it: not the authorisation boundary
    label_env: str  # Regula's `env` label
    media_prefix: str  # object key prefix `.../year=/month=/day=/hour=/minute=/{tag}/{id}/`
    media: dict[str, str] = field(default_factory=dict)  # name ("portrait", "video", "frame-0") -> object key
    created_at: int = 0  # epoch ms
    expires_at: int = 0
    decided_at: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # measurements behind the decision
    tenant: str = DEFAULT_TENANT  # whose transaction it is (the API key's tenant at start, `libs.tenants`)


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def media_prefix(root: str, tag: str, transaction_id: str, created_at: int) -> str:
    """Regula's session layout: `{root}/year=/month=/day=/hour=/minute=/{tag}/{transactionId}/`."""
    t = datetime.fromtimestamp(created_at / 1000, UTC)
    parts = [root.strip("/")] if root.strip("/") else []
    parts += [
        f"year={t.year:04d}", f"month={t.month:02d}", f"day={t.day:02d}",
        f"hour={t.hour:02d}", f"minute={t.minute:02d}", tag, transaction_id,
    ]  # fmt: skip
    return "/".join(parts) + "/"
