"""Liveness transactions, the use cases: start, submit (see submission.py), read, media, portrait, delete.

SQL decides what exists (`TransactionRepository`); media live in the `ObjectStore` under the transaction's
prefix. Deleting marks the row `deleting` first (invisible at once), then removes the objects, then the row;
a failure in between leaves a `deleting` row that housekeeping finishes.

Tenants: a transaction belongs to the tenant that started it (`libs.tenants`); every read, delete and media
link by id is looked up in the caller's tenant, so another tenant's transaction is absent (404). Only a
submission finds its transaction by id alone: its per-transaction signature authorises it, and the browser
that sends it holds no API key. Media go under `tenants/<tenant>/<media root>/...`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from libs.errors import InvalidRequestError, NotFoundError
from libs.liveness.challenge import random_challenge
from libs.liveness.media import PORTRAIT, VIDEO, is_media_name
from libs.liveness.policy import LivenessPolicy
from libs.liveness.records import LivenessType, State, TransactionRecord, media_prefix, now_ms
from libs.liveness.repository import TransactionRepository
from libs.liveness.signing import transaction_key
from libs.stores.ports import ObjectStore
from libs.tenants import DEFAULT_TENANT, tenant_prefix, valid_tenant

TAG_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,127}")
MEDIA_PATH = "/api/v2/liveness/media"


@dataclass(frozen=True, slots=True)
class StartCommand:
    type: int | None = None  # None = PASSIVE
    tag: str | None = None  # None = generated
    metadata: dict[str, Any] = field(default_factory=dict)
    label_tenant: str = ""  # Regula's `tenant` label: stored and returned, never used to authorise
    label_env: str = ""  # Regula's `env` label


@dataclass(frozen=True, slots=True)
class Started:
    record: TransactionRecord
    key: str  # hex
    ttl_seconds: int


@dataclass(frozen=True, slots=True)
class TransactionView:
    """Regula TransactionInfo, in domain terms."""

    transaction_id: str
    tag: str
    type: int
    code: int
    status: int | None
    portrait: str | None  # link
    video: str | None  # link
    metadata: dict[str, Any]
    failed_checks: tuple[str, ...]
    # Regula's free-form age entries: the portrait's apparent age, [{"name": "Age", "value": [min, max],
    # "years": mean}], the shape of /api/detect's Age attribute; empty when no portrait was taken.
    age: tuple[dict[str, Any], ...] = ()


class LivenessTransactions:
    def __init__(
        self,
        repository: TransactionRepository,
        objects: ObjectStore,
        secret: bytes,
        policy: LivenessPolicy,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.repository = repository
        self.objects = objects
        self.policy = policy
        self.clock = clock
        self._secret = secret

    def key_of(self, transaction_id: str) -> bytes:
        return transaction_key(self._secret, transaction_id)

    async def start(
        self, command: StartCommand, tenant: str = DEFAULT_TENANT, state: State = State.STARTED
    ) -> Started:
        """A new transaction of `tenant` (the caller's)."""
        tenant = valid_tenant(tenant)
        kind = LivenessType.PASSIVE if command.type is None else command.type
        if kind not in (LivenessType.ACTIVE, LivenessType.PASSIVE, LivenessType.PASSIVE_WITH_BLINK):
            raise InvalidRequestError(
                f"type must be 0 (ACTIVE), 1 (PASSIVE) or 2 (PASSIVE_WITH_BLINK), got {kind}"
            )
        tag = checked_tag(command.tag) if command.tag is not None else uuid.uuid4().hex
        if len(json.dumps(command.metadata)) > self.policy.max_metadata_bytes:
            raise InvalidRequestError(f"metadata: at most {self.policy.max_metadata_bytes} bytes of JSON")
        policy = self.policy
        challenge = (
            random_challenge(policy.challenge_min_steps, policy.challenge_max_steps)
            if kind == LivenessType.ACTIVE
            else ()
        )
        transaction_id, now = str(uuid.uuid4()), self.clock()
        record = TransactionRecord(
            id=transaction_id,
            tag=tag,
            type=kind,
            state=state,
            status=None,
            code=0,
            failed_checks=(),
            challenge=challenge,
            metadata=command.metadata,
            label_tenant=command.label_tenant,
            label_env=command.label_env,
            media_prefix=media_prefix(
                tenant_prefix(tenant) + policy.media_root.strip("/"), tag, transaction_id, now
            ),
            created_at=now,
            expires_at=now + policy.ttl_seconds * 1000,
            tenant=tenant,
        )
        await self.repository.insert(record)
        return Started(record, self.key_of(transaction_id).hex(), policy.ttl_seconds)

    async def record(self, transaction_id: str, tenant: str | None) -> TransactionRecord:
        """The transaction of `tenant`; None (any tenant) only for a signed submission."""
        checked_id(transaction_id)
        record = await self.repository.get(transaction_id, tenant)
        if record is None:
            raise NotFoundError(f"no liveness transaction {transaction_id}")
        return record

    async def get(self, transaction_id: str, tenant: str = DEFAULT_TENANT) -> TransactionView:
        return self.view(await self.record(transaction_id, tenant))

    def view(self, record: TransactionRecord) -> TransactionView:
        return TransactionView(
            transaction_id=record.id,
            tag=record.tag,
            type=record.type,
            code=record.code,
            status=record.status,
            portrait=self._link(record, PORTRAIT),
            video=self._link(record, VIDEO),
            metadata=record.metadata,
            failed_checks=record.failed_checks,
            age=tuple(record.details.get("age", ())),
        )

    def _exposed(self, name: str) -> bool:
        return self.policy.expose_video if name == VIDEO else self.policy.expose_portrait

    def _link(self, record: TransactionRecord, name: str) -> str | None:
        if name not in record.media or not self._exposed(name):
            return None
        query = urlencode({"transactionId": record.id, "name": name})
        return f"{self.policy.public_base_url.rstrip('/')}{MEDIA_PATH}?{query}"

    async def media(self, transaction_id: str, name: str, tenant: str = DEFAULT_TENANT) -> tuple[bytes, str]:
        """A stored object of the transaction and its content type (the target of TransactionInfo links)."""
        if not is_media_name(name):
            raise InvalidRequestError(f"name must be portrait, video or frame-N, got {name!r}")
        record = await self.record(transaction_id, tenant)
        key = record.media.get(name)
        if key is None or not self._exposed(name):
            raise NotFoundError(f"liveness transaction {transaction_id} has no {name}")
        return await self.objects.get(key)

    async def portrait(
        self, transaction_id: str, tenant: str = DEFAULT_TENANT
    ) -> tuple[TransactionView, bytes, str]:
        """The view and, only when liveness was confirmed, the portrait bytes and content type."""
        record = await self.record(transaction_id, tenant)
        key = record.media.get(PORTRAIT)
        if record.status != 0 or key is None:
            return self.view(record), b"", ""
        data, content_type = await self.objects.get(key)
        return self.view(record), data, content_type

    async def delete(self, transaction_id: str | None, tag: str | None, tenant: str = DEFAULT_TENANT) -> int:
        """Delete one transaction (`transaction_id`, of `tag` if given too) or a whole session of `tenant`;
        how many."""
        if not transaction_id and not tag:
            raise InvalidRequestError("give transactionId or tag (or both)")
        if tag:
            checked_tag(tag)
        if transaction_id:
            checked_id(transaction_id)
            record = await self.repository.get_own(transaction_id, tenant)
            if record is None or (tag and record.tag != tag):
                raise NotFoundError(
                    f"no liveness transaction {transaction_id}" + (f" in tag {tag}" if tag else "")
                )
            await self.remove(record)
            return 1
        assert tag is not None
        count = 0
        for found_id in await self.repository.ids_of_tag(tag, tenant):
            record = await self.repository.get_own(found_id, tenant)
            if record is not None:
                await self.remove(record)
                count += 1
        return count

    async def delete_tenant(self, tenant: str) -> int:
        """Every transaction of `tenant` with its media; how many. All are marked DELETING first, in one
        statement: a crash part way leaves them for housekeeping's stuck-deletion pass."""
        tenant = valid_tenant(tenant)
        await self.repository.mark_tenant_deleting(tenant, self.clock())
        count = 0
        for transaction_id in await self.repository.ids_of_tenant(tenant):
            record = await self.repository.get_any(transaction_id)
            if record is not None:
                await self.remove(record)
                count += 1
        return count

    async def remove(self, record: TransactionRecord) -> None:
        """Row invisible, objects gone, row gone: in that order, so nothing stays reachable half deleted."""
        await self.repository.mark_deleting(record.id, self.clock())
        keys = set(record.media.values())
        keys.update([key async for key in self.objects.keys(record.media_prefix)])
        for key in sorted(keys):
            await self.objects.delete(key)
        await self.repository.delete_row(record.id)


def checked_tag(tag: str) -> str:
    if not TAG_PATTERN.fullmatch(tag):
        raise InvalidRequestError("tag: 1..127 characters of A-Z, a-z, 0-9, '-' and '_'")
    return tag


def checked_id(transaction_id: str) -> str:
    try:
        uuid.UUID(transaction_id)
    except ValueError:
        raise InvalidRequestError(f"transactionId must be a uuid, got {transaction_id[:64]!r}") from None
    return transaction_id
