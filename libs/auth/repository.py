"""API keys in SQL (the gateway's database): create, look up by id, list, revoke."""

from __future__ import annotations

from libs.auth.keys import LIMIT_FIELDS, ApiKey
from libs.auth.scopes import Scope
from libs.stores.ports import Database, Migration, Row

# Versions 6001+, so they never collide with identification's (4001+) or liveness' (5001+) in one database.
MIGRATIONS = (
    Migration(
        6001,
        "gateway: api keys",
        """
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    requests_per_second BIGINT,
    max_concurrent BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at)
""".strip(),
    ),
    Migration(
        6002,
        "gateway: api key image and face limits",
        "ALTER TABLE api_keys ADD COLUMN max_images_per_request BIGINT;\n"
        "ALTER TABLE api_keys ADD COLUMN max_faces_per_image BIGINT",
    ),
)

_COLUMNS = f"id, tenant, name, scopes, secret_hash, created_at, revoked_at, {', '.join(LIMIT_FIELDS)}"


class KeyRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def migrate(self) -> None:
        await self.database.migrate(MIGRATIONS)

    async def insert(self, key: ApiKey) -> None:
        await self.database.execute(
            f"INSERT INTO api_keys ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10)",
            key.id,
            key.tenant,
            key.name,
            " ".join(sorted(key.scopes)),
            key.secret_hash,
            key.created_at,
            *(getattr(key, name) for name in LIMIT_FIELDS),
        )

    async def get(self, key_id: str) -> ApiKey | None:
        row = await self.database.fetchrow(f"SELECT {_COLUMNS} FROM api_keys WHERE id = $1", key_id)
        return _key(row) if row else None

    async def list(self, tenant: str | None = None, include_revoked: bool = False) -> list[ApiKey]:
        conditions, args = [], []
        if tenant is not None:
            args.append(tenant)
            conditions.append(f"tenant = ${len(args)}")
        if not include_revoked:
            conditions.append("revoked_at IS NULL")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await self.database.fetch(
            f"SELECT {_COLUMNS} FROM api_keys{where} ORDER BY tenant, created_at, id", *args
        )
        return [_key(row) for row in rows]

    async def revoke(self, key_id: str, now: int) -> bool:
        """False when there is no such active key."""
        changed = await self.database.execute(
            "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", key_id, now
        )
        return changed == 1

    async def revoke_tenant(self, tenant: str, now: int) -> list[str]:
        """Revoke every active key of the tenant; their ids."""
        async with self.database.transaction() as tx:
            rows = await tx.fetch("SELECT id FROM api_keys WHERE tenant = $1 AND revoked_at IS NULL", tenant)
            await tx.execute(
                "UPDATE api_keys SET revoked_at = $2 WHERE tenant = $1 AND revoked_at IS NULL", tenant, now
            )
        return [row["id"] for row in rows]


def _key(row: Row) -> ApiKey:
    return ApiKey(
        id=row["id"],
        tenant=row["tenant"],
        name=row["name"],
        scopes=frozenset(Scope(name) for name in row["scopes"].split()),
        secret_hash=row["secret_hash"],
        created_at=int(row["created_at"]),
        revoked_at=None if row["revoked_at"] is None else int(row["revoked_at"]),
        **{name: None if row[name] is None else int(row[name]) for name in LIMIT_FIELDS},
    )
