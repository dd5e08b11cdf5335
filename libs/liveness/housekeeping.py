"""The liveness housekeeper (Regula's `houseKeeper`): expiry, retention, unfinished work, orphaned objects.

One `housekeep` round:
- STARTED transactions past their expiry are decided: status 1, code 250 (FACER_TIMEOUT_LIVENESS_TRANSACTION);
- PROCESSING ones untouched for `stuck_after_seconds` (the process died mid-decision) go back to STARTED, so
  they expire (or get submitted again) normally;
- DELETING ones untouched for `stuck_after_seconds` are deleted again (objects, then row);
- transactions older than `keep_for_seconds` are deleted with their media (0 = keep forever);
- with `sweep_orphans`, media objects (under `tenants/<tenant>/<media root>/`, or the media root itself for
  transactions from before tenants) whose transaction has no row are removed (a crash between writing an
  object and deciding, or a failed delete of an object).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from libs.errors import FaceSDKResultCode
from libs.liveness.records import State
from libs.liveness.transactions import LivenessTransactions
from libs.tenants import TENANTS_PREFIX, split_tenant_key

RETENTION_BATCH = 500

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HousekeepingReport:
    expired: int = 0
    released: int = 0
    deletions_finished: int = 0
    purged: int = 0
    orphans_removed: int = 0


async def housekeep(
    transactions: LivenessTransactions,
    keep_for_seconds: int,
    stuck_after_seconds: int = 600,
    sweep_orphans: bool = False,
) -> HousekeepingReport:
    repository, now = transactions.repository, transactions.clock()
    expired = await repository.expire_due(now, int(FaceSDKResultCode.FACER_TIMEOUT_LIVENESS_TRANSACTION))
    stuck_before = now - stuck_after_seconds * 1000
    released = 0
    for transaction_id in await repository.ids_where(State.PROCESSING, stuck_before):
        await repository.release(transaction_id, now)
        released += 1
    finished = await _remove_all(transactions, await repository.ids_where(State.DELETING, stuck_before))
    purged = 0
    if keep_for_seconds > 0:
        old = await repository.ids_created_before(now - keep_for_seconds * 1000, RETENTION_BATCH)
        purged = await _remove_all(transactions, old)
    orphans = await remove_orphans(transactions) if sweep_orphans else 0
    report = HousekeepingReport(expired, released, finished, purged, orphans)
    if report != HousekeepingReport():
        _log.info("liveness housekeeping: %s", report)
    return report


def _media_keys(transactions: LivenessTransactions) -> list[tuple[str, Callable[[str], bool]]]:
    """Where media lie: under the media root (written before tenants) and under each tenant's prefix, where
    identification's photos may lie too when both share a store: only keys below the media root count."""
    root = transactions.policy.media_root.strip("/")
    below_root = f"{root}/" if root else ""

    def tenant_media(key: str) -> bool:
        tenant, rest = split_tenant_key(key)
        return tenant is not None and rest.startswith(below_root)

    def old_media(key: str) -> bool:
        return split_tenant_key(key)[0] is None  # with an empty root, the walk lists the tenants' keys too

    return [(below_root, old_media), (TENANTS_PREFIX, tenant_media)]


async def remove_orphans(transactions: LivenessTransactions) -> int:
    """Delete media objects whose transaction (the key's second-last segment) has no row."""
    known: dict[str, bool] = {}
    orphans = []
    for prefix, is_media in _media_keys(transactions):
        async for key in transactions.objects.keys(prefix):
            if is_media(key) and await _orphaned(transactions, key, known):
                orphans.append(key)
    for key in orphans:  # after the listing: some stores list lazily
        await transactions.objects.delete(key)
    return len(orphans)


async def _orphaned(transactions: LivenessTransactions, key: str, known: dict[str, bool]) -> bool:
    """Whether the key's transaction (its second-last segment) has no row; `known` caches the answers."""
    parts = key.split("/")
    if len(parts) < 2:
        return False
    transaction_id = parts[-2]
    if transaction_id not in known:
        known[transaction_id] = await transactions.repository.exists(transaction_id)
    return not known[transaction_id]


async def _remove_all(transactions: LivenessTransactions, ids: list[str]) -> int:
    count = 0
    for transaction_id in ids:
        record = await transactions.repository.get_any(transaction_id)
        if record is not None:
            await transactions.remove(record)
            count += 1
    return count
