"""Read-your-writes for the vector index across replicas: the Milvus timestamp of the latest write per tenant.

After a write returns, the index asks Milvus for a timestamp (later than the write's) and advances the fence
with it; a search passes the fence's value as its guarantee timestamp, so Milvus answers once it has applied
every write that returned before, from this process or another replica. With no recent write the timestamp is
already applied and the search waits for nothing (Strong waits up to a time tick, 200 ms, on every search).
`DatabaseFence` keeps it in the SQL database the replicas share; `ProcessFence` in memory (one process).

Scopes are tenant names, plus `ANY_TENANT` for writes that name no tenant (deletes by image or person id).
A search of a tenant waits for its tenant and for `ANY_TENANT`; a read across tenants (None) for all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

from libs.stores.ports import Database, Migration

ANY_TENANT = "*"  # never a tenant name (libs/tenants.py: lowercase letters, digits, '-')

# The stores' own tables take versions from 1_000_001 on, so they never meet a service's migrations.
FENCE_MIGRATION = Migration(
    1_000_001,
    "vector write fence",
    "CREATE TABLE vector_write_fence (\n"
    "    scope TEXT PRIMARY KEY,\n"
    "    milvus_timestamp BIGINT NOT NULL\n"
    ");\n",
)


class WriteFence(Protocol):
    async def advance(self, scopes: Iterable[str], timestamp: int) -> None:
        """Writes to these scopes returned before `timestamp`."""
        ...

    async def latest(self, tenant: str | None) -> int:
        """The timestamp a read of `tenant` (None: every tenant) must wait for; 0 when nothing was written."""
        ...


class ProcessFence:
    """The fence of one process (no other replica writes, or they need not be seen)."""

    def __init__(self) -> None:
        self._timestamps: dict[str, int] = {}

    async def advance(self, scopes: Iterable[str], timestamp: int) -> None:
        for scope in scopes:
            self._timestamps[scope] = max(timestamp, self._timestamps.get(scope, 0))

    async def latest(self, tenant: str | None) -> int:
        if tenant is None:
            return max(self._timestamps.values(), default=0)
        return max(self._timestamps.get(tenant, 0), self._timestamps.get(ANY_TENANT, 0))


class DatabaseFence:
    """The fence in table `vector_write_fence` of the database every replica shares: one row per scope.

    The table is made at the first use (a migration, so replicas starting together make it once), not at
    open: a process opens its stores before migrating its own schema."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._migrated = False
        self._migrating = asyncio.Lock()

    async def advance(self, scopes: Iterable[str], timestamp: int) -> None:
        await self._ensure_table()
        for scope in set(scopes):
            await self._database.execute(
                "INSERT INTO vector_write_fence (scope, milvus_timestamp) VALUES ($1, $2) "
                "ON CONFLICT (scope) DO UPDATE SET milvus_timestamp = excluded.milvus_timestamp "
                "WHERE excluded.milvus_timestamp > vector_write_fence.milvus_timestamp",
                scope,
                timestamp,
            )

    async def latest(self, tenant: str | None) -> int:
        await self._ensure_table()
        if tenant is None:
            row = await self._database.fetchrow("SELECT max(milvus_timestamp) AS ts FROM vector_write_fence")
        else:
            row = await self._database.fetchrow(
                "SELECT max(milvus_timestamp) AS ts FROM vector_write_fence WHERE scope = $1 OR scope = $2",
                tenant,
                ANY_TENANT,
            )
        return int(row["ts"] or 0) if row else 0

    async def _ensure_table(self) -> None:
        if self._migrated:
            return
        async with self._migrating:
            if not self._migrated:
                await self._database.migrate([FENCE_MIGRATION])
                self._migrated = True
