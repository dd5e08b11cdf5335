"""Persons in SQL: rows, their group lists, paging, and the state changes of deletion and expiry.

Lists are newest first: `ORDER BY created_at DESC, id DESC`. Regula says "sorted by decreasing ID value",
but ids are random uuids whose order means nothing to a user; so Visage sorts by creation, ties by id.

Every function that takes an id from a client also takes the caller's tenant and matches it in SQL: a person
of another tenant is found nowhere, as if absent. Functions without a tenant serve the deletion machinery
and the reconciler, which work on ids the service itself found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from libs.identification.records import Person
from libs.identification.repository.rows import (
    PERSON_COLUMNS,
    chunks,
    dump_json,
    person_from_row,
    placeholders,
    visible_person,
)
from libs.stores.ports import Database, Row

NEWEST_FIRST = "ORDER BY p.created_at DESC, p.id DESC"


async def insert_person(db: Database, person: Person, tenant: str) -> None:
    """The row and its memberships; call inside a transaction (groups are checked by the caller)."""
    await db.execute(
        "INSERT INTO persons (id, tenant, name, external_id, metadata, created_at, updated_at, expire_at,"
        " state, state_changed_at) VALUES ($1, $7, $2, $3, $4, $5, NULL, $6, 'ready', $5)",
        person.id,
        person.name,
        person.external_id,
        dump_json(person.metadata),
        person.created_at,
        person.expire_at,
        tenant,
    )
    for order, group_id in enumerate(person.groups):
        await db.execute(
            "INSERT INTO person_groups (person_id, group_id, added_at) VALUES ($1, $2, $3)",
            person.id,
            group_id,
            person.created_at + order,  # keeps the order the client listed them in
        )


async def visible_person_row(db: Database, person_id: str, now: int, tenant: str) -> Row | None:
    return await db.fetchrow(
        f"SELECT {PERSON_COLUMNS} FROM persons p WHERE p.id = $1 AND p.tenant = $3"
        f" AND {visible_person('p', 2)}",
        person_id,
        now,
        tenant,
    )


async def get_person(db: Database, person_id: str, now: int, tenant: str) -> Person | None:
    row = await visible_person_row(db, person_id, now, tenant)
    if row is None:
        return None
    return (await with_groups(db, [row]))[0]


async def list_persons(
    db: Database, offset: int, limit: int, now: int, tenant: str
) -> tuple[list[Person], int]:
    where = f"p.tenant = $2 AND {visible_person('p', 1)}"
    total = await db.fetchrow(f"SELECT COUNT(*) AS n FROM persons p WHERE {where}", now, tenant)
    rows = await db.fetch(
        f"SELECT {PERSON_COLUMNS} FROM persons p WHERE {where} {NEWEST_FIRST} LIMIT $3 OFFSET $4",
        now,
        tenant,
        limit,
        offset,
    )
    return await with_groups(db, rows), int(total["n"]) if total else 0


async def list_group_persons(
    db: Database, group_id: str, offset: int, limit: int, now: int, tenant: str
) -> tuple[list[Person], int]:
    joined = (
        "persons p JOIN person_groups m ON m.person_id = p.id"
        f" WHERE m.group_id = $1 AND p.tenant = $3 AND {visible_person('p', 2)}"
    )
    total = await db.fetchrow(f"SELECT COUNT(*) AS n FROM {joined}", group_id, now, tenant)
    rows = await db.fetch(
        f"SELECT {PERSON_COLUMNS} FROM {joined} {NEWEST_FIRST} LIMIT $4 OFFSET $5",
        group_id,
        now,
        tenant,
        limit,
        offset,
    )
    return await with_groups(db, rows), int(total["n"]) if total else 0


async def with_groups(db: Database, rows: Sequence[Row]) -> list[Person]:
    """Persons of `rows` with their group ids (in the order they joined)."""
    groups = await groups_of(db, [row["id"] for row in rows])
    return [person_from_row(row, groups.get(row["id"], ())) for row in rows]


async def groups_of(db: Database, person_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for part in chunks(list(dict.fromkeys(person_ids))):
        rows = await db.fetch(
            "SELECT person_id, group_id FROM person_groups"
            f" WHERE person_id IN ({placeholders(1, len(part))}) ORDER BY added_at, group_id",
            *part,
        )
        for row in rows:
            found[row["person_id"]].append(row["group_id"])
    return {person_id: tuple(ids) for person_id, ids in found.items()}


async def existing_visible(db: Database, person_ids: Sequence[str], now: int, tenant: str) -> set[str]:
    present: set[str] = set()
    for part in chunks(list(person_ids)):
        rows = await db.fetch(
            f"SELECT p.id FROM persons p WHERE p.id IN ({placeholders(3, len(part))})"
            f" AND p.tenant = $2 AND {visible_person('p', 1)}",
            now,
            tenant,
            *part,
        )
        present.update(row["id"] for row in rows)
    return present


async def update_person_fields(
    db: Database,
    person_id: str,
    now: int,
    name: str | None,
    external_id: str | None,
    metadata_json: str | None,
    tenant: str,
) -> bool:
    """Change the given fields of a visible person of `tenant`; False when there is none."""
    changed = await db.execute(
        "UPDATE persons SET name = COALESCE($3, name), external_id = COALESCE($4, external_id),"
        " metadata = COALESCE($5, metadata), updated_at = $2"
        f" WHERE id = $1 AND tenant = $6 AND {visible_person('persons', 2)}",
        person_id,
        now,
        name,
        external_id,
        metadata_json,
        tenant,
    )
    return changed == 1


async def mark_person_deleting(db: Database, person_id: str, now: int, tenant: str | None) -> bool:
    """Person and images become `deleting` (invisible at once); call inside a transaction.

    With a tenant (a client's delete) only a visible person of that tenant; None is the purge of an expired
    person the reconciler found."""
    # `$2` is used by SET either way; expired persons are only deleted by the purge.
    if tenant is None:
        condition, args = "state = 'ready'", ()
    else:
        condition, args = f"tenant = $3 AND {visible_person('persons', 2)}", (tenant,)
    changed = await db.execute(
        f"UPDATE persons SET state = 'deleting', state_changed_at = $2 WHERE id = $1 AND {condition}",
        person_id,
        now,
        *args,
    )
    if changed != 1:
        return False
    await db.execute(
        "UPDATE images SET state = 'deleting', state_changed_at = $2 WHERE person_id = $1", person_id, now
    )
    return True


async def delete_person_row(db: Database, person_id: str) -> None:
    """The row; its images and memberships go with it (ON DELETE CASCADE)."""
    await db.execute("DELETE FROM persons WHERE id = $1", person_id)


async def mark_tenant_deleting(db: Database, tenant: str, now: int) -> int:
    """Every `ready` person of the tenant (expired ones too) and their images become `deleting`, in one
    transaction with the caller's other changes; the number of persons. The ordinary person deletion
    (`writes.remove_person`, or the reconciler after a crash) finishes each of them."""
    await db.execute(
        "UPDATE images SET state = 'deleting', state_changed_at = $2"
        " WHERE person_id IN (SELECT id FROM persons WHERE tenant = $1 AND state = 'ready')",
        tenant,
        now,
    )
    return await db.execute(
        "UPDATE persons SET state = 'deleting', state_changed_at = $2 WHERE tenant = $1 AND state = 'ready'",
        tenant,
        now,
    )


async def tenant_persons_in_state(db: Database, tenant: str, state: str, limit: int) -> list[str]:
    rows = await db.fetch(
        "SELECT id FROM persons WHERE tenant = $1 AND state = $2 ORDER BY id LIMIT $3", tenant, state, limit
    )
    return [row["id"] for row in rows]


async def persons_in_state(db: Database, state: str, changed_before: int, limit: int) -> list[str]:
    rows = await db.fetch(
        "SELECT id FROM persons WHERE state = $1 AND state_changed_at <= $2"
        " ORDER BY state_changed_at LIMIT $3",
        state,
        changed_before,
        limit,
    )
    return [row["id"] for row in rows]


async def expired_persons(db: Database, now: int, limit: int) -> list[str]:
    rows = await db.fetch(
        "SELECT id FROM persons WHERE expire_at IS NOT NULL AND expire_at <= $1 AND state = 'ready'"
        " ORDER BY expire_at LIMIT $2",
        now,
        limit,
    )
    return [row["id"] for row in rows]
