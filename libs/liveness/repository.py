"""Liveness transactions in SQL (the `Database` port): the source of truth for what exists and its state.

State changes are single conditional UPDATEs, so two submissions of one transaction, or a submission racing
the expiry job, cannot both win: the one whose UPDATE changed a row goes on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from libs.liveness.records import State, TransactionRecord
from libs.stores.ports import Database, Migration, Row

# Versions 5001+ (issue 5), so they never collide with identification's when both share one database.
MIGRATIONS = (
    Migration(
        version=5001,
        name="liveness transactions",
        sql="""
CREATE TABLE liveness_transactions (
    id TEXT PRIMARY KEY,
    tag TEXT NOT NULL,
    type INTEGER NOT NULL,
    state TEXT NOT NULL,
    status INTEGER,
    code INTEGER NOT NULL,
    failed_checks TEXT NOT NULL,
    challenge TEXT NOT NULL,
    metadata TEXT NOT NULL,
    tenant TEXT NOT NULL,
    env TEXT NOT NULL,
    media_prefix TEXT NOT NULL,
    media TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    decided_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX liveness_transactions_tag ON liveness_transactions (tag);
CREATE INDEX liveness_transactions_state_expires ON liveness_transactions (state, expires_at);
CREATE INDEX liveness_transactions_created ON liveness_transactions (created_at);
""",
    ),
    # Tenants (issue 16). The 5001 columns `tenant` and `env` hold Regula's client-written labels: renamed,
    # so that `tenant` is the authorisation boundary as in identification's tables. Rows from before
    # belong to the default tenant; every INSERT names the tenant.
    Migration(
        version=5002,
        name="liveness: tenants",
        sql="""
ALTER TABLE liveness_transactions RENAME COLUMN tenant TO label_tenant;
ALTER TABLE liveness_transactions RENAME COLUMN env TO label_env;
ALTER TABLE liveness_transactions ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
DROP INDEX liveness_transactions_tag;
CREATE INDEX liveness_transactions_tag ON liveness_transactions (tenant, tag);
CREATE INDEX liveness_transactions_tenant ON liveness_transactions (tenant, created_at);
""",
    ),
)

_COLUMNS = (
    "id, tag, type, state, status, code, failed_checks, challenge, metadata, label_tenant, label_env, "
    "media_prefix, media, details, created_at, expires_at, decided_at, updated_at, tenant"
)
# A client's id ($1) is looked up in the caller's tenant ($2): another tenant's transaction is absent.
_OF_TENANT = "id = $1 AND tenant = $2"


class TransactionRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def migrate(self) -> None:
        await self._db.migrate(MIGRATIONS)

    async def insert(self, record: TransactionRecord) -> None:
        await self._db.execute(
            f"INSERT INTO liveness_transactions ({_COLUMNS}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
            record.id, record.tag, record.type, str(record.state), record.status, record.code,
            json.dumps(list(record.failed_checks)), json.dumps(list(record.challenge)),
            json.dumps(record.metadata), record.label_tenant, record.label_env, record.media_prefix,
            json.dumps(record.media), json.dumps(record.details), record.created_at, record.expires_at,
            record.decided_at, record.created_at, record.tenant,
        )  # fmt: skip

    async def get(self, transaction_id: str, tenant: str | None) -> TransactionRecord | None:
        """The transaction of `tenant`, unless it is absent or being deleted. `tenant` None: of any tenant,
        only for a submission, which its per-transaction signature authorises (no API key, so no tenant)."""
        if tenant is None:
            row = await self._db.fetchrow(
                f"SELECT {_COLUMNS} FROM liveness_transactions WHERE id = $1 AND state <> $2",
                transaction_id, str(State.DELETING),
            )  # fmt: skip
        else:
            row = await self._db.fetchrow(
                f"SELECT {_COLUMNS} FROM liveness_transactions WHERE {_OF_TENANT} AND state <> $3",
                transaction_id, tenant, str(State.DELETING),
            )  # fmt: skip
        return None if row is None else _record(row)

    async def get_any(self, transaction_id: str) -> TransactionRecord | None:
        """Also a transaction being deleted, of any tenant (for the deletion itself and housekeeping)."""
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM liveness_transactions WHERE id = $1", transaction_id
        )
        return None if row is None else _record(row)

    async def get_own(self, transaction_id: str, tenant: str) -> TransactionRecord | None:
        """The transaction of `tenant` in any state (a client's delete finishes one being deleted)."""
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM liveness_transactions WHERE {_OF_TENANT}", transaction_id, tenant
        )
        return None if row is None else _record(row)

    async def ids_of_tag(self, tag: str, tenant: str) -> list[str]:
        rows = await self._db.fetch(
            "SELECT id FROM liveness_transactions WHERE tenant = $1 AND tag = $2", tenant, tag
        )
        return [row["id"] for row in rows]

    async def mark_tenant_deleting(self, tenant: str, now: int) -> int:
        """Every transaction of the tenant becomes DELETING (invisible at once; housekeeping finishes the
        ones a crash leaves); how many."""
        return await self._db.execute(
            "UPDATE liveness_transactions SET state = $1, updated_at = $2 WHERE tenant = $3",
            str(State.DELETING), now, tenant,
        )  # fmt: skip

    async def ids_of_tenant(self, tenant: str) -> list[str]:
        rows = await self._db.fetch("SELECT id FROM liveness_transactions WHERE tenant = $1", tenant)
        return [row["id"] for row in rows]

    async def claim(self, transaction_id: str, now: int) -> bool:
        """STARTED and not expired -> PROCESSING; False when another submission or the expiry came first."""
        changed = await self._db.execute(
            "UPDATE liveness_transactions SET state = $1, updated_at = $2 "
            "WHERE id = $3 AND state = $4 AND expires_at > $5",
            str(State.PROCESSING), now, transaction_id, str(State.STARTED), now,
        )  # fmt: skip
        return changed == 1

    async def release(self, transaction_id: str, now: int) -> None:
        """PROCESSING -> STARTED after a failure that was not the client's (a store down): submit again."""
        await self._db.execute(
            "UPDATE liveness_transactions SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
            str(State.STARTED), now, transaction_id, str(State.PROCESSING),
        )  # fmt: skip

    async def decide(
        self,
        transaction_id: str,
        status: int,
        code: int,
        failed_checks: Sequence[str],
        details: dict[str, Any],
        media: dict[str, str],
        now: int,
        from_states: Sequence[State],
    ) -> bool:
        """Record the verdict, if the transaction is still in one of `from_states`."""
        # Each placeholder is used once: the SQLite adapter may rewrite them positionally.
        states = [str(s) for s in from_states]
        placeholders = ", ".join(f"${i}" for i in range(10, 10 + len(states)))
        changed = await self._db.execute(
            "UPDATE liveness_transactions SET state = $1, status = $2, code = $3, failed_checks = $4, "
            "details = $5, media = $6, decided_at = $7, updated_at = $8 "
            f"WHERE id = $9 AND state IN ({placeholders})",
            str(State.DECIDED), status, code, json.dumps(list(failed_checks)), json.dumps(details),
            json.dumps(media), now, now, transaction_id, *states,
        )  # fmt: skip
        return changed == 1

    async def expire_due(self, now: int, code: int) -> int:
        """Decide every STARTED transaction past its expiry as not confirmed with `code`; how many."""
        return await self._db.execute(
            "UPDATE liveness_transactions SET state = $1, status = 1, code = $2, decided_at = $3, "
            "updated_at = $4 WHERE state = $5 AND expires_at <= $6",
            str(State.DECIDED), code, now, now, str(State.STARTED), now,
        )  # fmt: skip

    async def mark_deleting(self, transaction_id: str, now: int) -> bool:
        changed = await self._db.execute(
            "UPDATE liveness_transactions SET state = $1, updated_at = $2 WHERE id = $3",
            str(State.DELETING), now, transaction_id,
        )  # fmt: skip
        return changed == 1

    async def delete_row(self, transaction_id: str) -> None:
        await self._db.execute("DELETE FROM liveness_transactions WHERE id = $1", transaction_id)

    async def ids_where(self, state: State, updated_before: int) -> list[str]:
        """Transactions in `state` not touched since `updated_before` (housekeeping finds stuck ones)."""
        rows = await self._db.fetch(
            "SELECT id FROM liveness_transactions WHERE state = $1 AND updated_at < $2",
            str(state), updated_before,
        )  # fmt: skip
        return [row["id"] for row in rows]

    async def ids_created_before(self, created_before: int, limit: int) -> list[str]:
        rows = await self._db.fetch(
            "SELECT id FROM liveness_transactions WHERE created_at < $1 ORDER BY created_at LIMIT $2",
            created_before, limit,
        )  # fmt: skip
        return [row["id"] for row in rows]

    async def exists(self, transaction_id: str) -> bool:
        row = await self._db.fetchrow(
            "SELECT 1 AS found FROM liveness_transactions WHERE id = $1", transaction_id
        )
        return row is not None


def _record(row: Row) -> TransactionRecord:
    return TransactionRecord(
        id=row["id"],
        tag=row["tag"],
        type=int(row["type"]),
        state=State(row["state"]),
        status=None if row["status"] is None else int(row["status"]),
        code=int(row["code"]),
        failed_checks=tuple(json.loads(row["failed_checks"])),
        challenge=tuple(json.loads(row["challenge"])),
        metadata=json.loads(row["metadata"]),
        label_tenant=row["label_tenant"],
        label_env=row["label_env"],
        tenant=row["tenant"],
        media_prefix=row["media_prefix"],
        media=json.loads(row["media"]),
        created_at=int(row["created_at"]),
        expires_at=int(row["expires_at"]),
        decided_at=None if row["decided_at"] is None else int(row["decided_at"]),
        details=json.loads(row["details"]),
    )
