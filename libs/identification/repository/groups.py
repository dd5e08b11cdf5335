"""Groups and memberships in SQL. Every membership change bumps the persons' `groups_version` and marks
their vectors stale, in the same transaction, so the vector index can be brought in line afterwards.

A group id from a client is matched with the caller's tenant in SQL (a group of another tenant is absent);
memberships join a person and a group of one tenant, since both were found in it before the write."""

from __future__ import annotations

from collections.abc import Sequence

from libs.errors import NotFoundError
from libs.identification.records import Group
from libs.identification.repository.rows import (
    GROUP_COLUMNS,
    chunks,
    dump_json,
    group_from_row,
    placeholders,
)
from libs.stores.ports import Database

NEWEST_FIRST = "ORDER BY g.created_at DESC, g.id DESC"


async def insert_group(db: Database, group: Group, tenant: str) -> None:
    await db.execute(
        "INSERT INTO groups (id, tenant, name, metadata, created_at, updated_at)"
        " VALUES ($1, $5, $2, $3, $4, NULL)",
        group.id,
        group.name,
        dump_json(group.metadata),
        group.created_at,
        tenant,
    )


async def get_group(db: Database, group_id: str, tenant: str) -> Group | None:
    row = await db.fetchrow(
        f"SELECT {GROUP_COLUMNS} FROM groups g WHERE g.id = $1 AND g.tenant = $2", group_id, tenant
    )
    return None if row is None else group_from_row(row)


async def list_groups(db: Database, offset: int, limit: int, tenant: str) -> tuple[list[Group], int]:
    total = await db.fetchrow("SELECT COUNT(*) AS n FROM groups WHERE tenant = $1", tenant)
    rows = await db.fetch(
        f"SELECT {GROUP_COLUMNS} FROM groups g WHERE g.tenant = $1 {NEWEST_FIRST} LIMIT $2 OFFSET $3",
        tenant,
        limit,
        offset,
    )
    return [group_from_row(row) for row in rows], int(total["n"]) if total else 0


async def list_person_groups(
    db: Database, person_id: str, offset: int, limit: int, tenant: str
) -> tuple[list[Group], int]:
    joined = "groups g JOIN person_groups m ON m.group_id = g.id WHERE m.person_id = $1 AND g.tenant = $2"
    total = await db.fetchrow(f"SELECT COUNT(*) AS n FROM {joined}", person_id, tenant)
    rows = await db.fetch(
        f"SELECT {GROUP_COLUMNS} FROM {joined} {NEWEST_FIRST} LIMIT $3 OFFSET $4",
        person_id,
        tenant,
        limit,
        offset,
    )
    return [group_from_row(row) for row in rows], int(total["n"]) if total else 0


async def update_group(
    db: Database, group_id: str, name: str, metadata_json: str | None, now: int, tenant: str
) -> bool:
    changed = await db.execute(
        "UPDATE groups SET name = $2, metadata = COALESCE($3, metadata), updated_at = $4"
        " WHERE id = $1 AND tenant = $5",
        group_id,
        name,
        metadata_json,
        now,
        tenant,
    )
    return changed == 1


async def missing_groups(db: Database, group_ids: Sequence[str], tenant: str) -> list[str]:
    """The ids of `group_ids` that name no group of `tenant`, in the given order."""
    present: set[str] = set()
    for part in chunks(list(group_ids)):
        rows = await db.fetch(
            f"SELECT id FROM groups WHERE tenant = $1 AND id IN ({placeholders(2, len(part))})",
            tenant,
            *part,
        )
        present.update(row["id"] for row in rows)
    return [group_id for group_id in group_ids if group_id not in present]


async def require_groups(db: Database, group_ids: Sequence[str], tenant: str) -> None:
    """NotFoundError naming the first of `group_ids` that is no group of `tenant`."""
    if not group_ids:
        return
    missing = await missing_groups(db, group_ids, tenant)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise NotFoundError(f"group {missing[0]} not found{more}")


async def group_member_ids(db: Database, group_id: str) -> list[str]:
    rows = await db.fetch("SELECT person_id FROM person_groups WHERE group_id = $1", group_id)
    return [row["person_id"] for row in rows]


async def delete_group_row(db: Database, group_id: str) -> bool:
    """The group and its memberships (ON DELETE CASCADE); call inside a transaction after marking members."""
    return await db.execute("DELETE FROM groups WHERE id = $1", group_id) == 1


async def add_members(db: Database, group_id: str, person_ids: Sequence[str], now: int) -> None:
    for person_id in person_ids:
        await db.execute(
            "INSERT INTO person_groups (person_id, group_id, added_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (person_id, group_id) DO NOTHING",
            person_id,
            group_id,
            now,
        )


async def remove_members(db: Database, group_id: str, person_ids: Sequence[str]) -> None:
    for part in chunks(list(person_ids)):
        await db.execute(
            f"DELETE FROM person_groups WHERE group_id = $1 AND person_id IN ({placeholders(2, len(part))})",
            group_id,
            *part,
        )


async def replace_groups(db: Database, person_id: str, group_ids: Sequence[str], now: int) -> None:
    """The person's groups become exactly `group_ids` (kept memberships keep their date)."""
    current = {row["group_id"] for row in await db.fetch(
        "SELECT group_id FROM person_groups WHERE person_id = $1", person_id
    )}  # fmt: skip
    wanted = list(dict.fromkeys(group_ids))
    for group_id in current - set(wanted):
        await db.execute(
            "DELETE FROM person_groups WHERE person_id = $1 AND group_id = $2", person_id, group_id
        )
    for order, group_id in enumerate(wanted):
        if group_id not in current:
            await db.execute(
                "INSERT INTO person_groups (person_id, group_id, added_at) VALUES ($1, $2, $3)",
                person_id,
                group_id,
                now + order,
            )


async def mark_groups_changed(db: Database, person_ids: Sequence[str]) -> None:
    """Bump `groups_version` and set `vectors_stale` (same transaction as the membership change)."""
    for part in chunks(list(person_ids)):
        await db.execute(
            "UPDATE persons SET groups_version = groups_version + 1, vectors_stale = 1"
            f" WHERE id IN ({placeholders(1, len(part))})",
            *part,
        )


async def groups_and_version(db: Database, person_id: str) -> tuple[tuple[str, ...], int] | None:
    """The person's group ids (any state) and its `groups_version`; None when the row is gone.

    The version is read first: groups read later can only be newer than it, so a sync that records this
    version may redo work but never marks old groups as current."""
    row = await db.fetchrow("SELECT groups_version FROM persons WHERE id = $1", person_id)
    if row is None:
        return None
    rows = await db.fetch(
        "SELECT group_id FROM person_groups WHERE person_id = $1 ORDER BY added_at, group_id", person_id
    )
    return tuple(r["group_id"] for r in rows), int(row["groups_version"])


async def clear_stale(db: Database, person_id: str, version: int) -> bool:
    """Vectors are in line with `version`: clear the flag unless the groups changed again since."""
    changed = await db.execute(
        "UPDATE persons SET vectors_stale = 0 WHERE id = $1 AND groups_version = $2", person_id, version
    )
    return changed == 1


async def delete_tenant_groups(db: Database, tenant: str) -> int:
    """Every group of the tenant and its memberships (call after its persons are marked `deleting`)."""
    return await db.execute("DELETE FROM groups WHERE tenant = $1", tenant)


async def stale_persons(db: Database, limit: int) -> list[str]:
    rows = await db.fetch(
        "SELECT id FROM persons WHERE vectors_stale = 1 AND state = 'ready' LIMIT $1", limit
    )
    return [row["id"] for row in rows]
