"""Images in SQL: the `pending → ready` and `ready → deleting` transitions, paging, and search candidates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from libs.identification.records import Image, Person
from libs.identification.repository.persons import with_groups
from libs.identification.repository.rows import (
    IMAGE_COLUMNS,
    chunks,
    dump_json,
    image_from_row,
    placeholders,
    visible_person,
)
from libs.stores.ports import Database, Row

NEWEST_FIRST = "ORDER BY i.created_at DESC, i.id DESC"
# A `ready` image ($1) of a visible ($3 = now) person ($2) of the tenant ($4), the caller.
_OWN_IMAGE = (
    f"i.id = $1 AND i.person_id = $2 AND i.state = 'ready' AND p.tenant = $4 AND {visible_person('p', 3)}"
)
# The person columns next to IMAGE_COLUMNS, renamed where the names clash.
_PERSON_OF_IMAGE = (
    "p.name, p.external_id, p.metadata AS person_metadata, p.created_at AS person_created_at,"
    " p.updated_at AS person_updated_at, p.expire_at"
)


async def insert_pending(db: Database, image: Image, model: str, now: int, tenant: str) -> bool:
    """Insert the row as `pending` if its person is visible in `tenant`; False when not (one statement)."""
    # CAST gives PostgreSQL the parameter types that INSERT ... SELECT cannot infer.
    changed = await db.execute(
        "INSERT INTO images (id, person_id, state, state_changed_at, content_type, object_key, metadata,"
        " model, created_at, updated_at)"
        " SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), 'pending', CAST($3 AS BIGINT), CAST($4 AS TEXT),"
        " CAST($5 AS TEXT), CAST($6 AS TEXT), CAST($7 AS TEXT), CAST($8 AS BIGINT), NULL"
        " WHERE EXISTS (SELECT 1 FROM persons p WHERE p.id = $2 AND p.tenant = $9"
        f" AND {visible_person('p', 3)})",
        image.id,
        image.person_id,
        now,
        image.content_type,
        image.object_key,
        dump_json(image.metadata),
        model,
        image.created_at,
        tenant,
    )
    return changed == 1


async def mark_ready(db: Database, image_id: str, now: int) -> bool:
    """`pending → ready`; False when the row is gone or a person deletion took it over meanwhile."""
    changed = await db.execute(
        "UPDATE images SET state = 'ready', state_changed_at = $2 WHERE id = $1 AND state = 'pending'",
        image_id,
        now,
    )
    return changed == 1


async def mark_deleting(
    db: Database, person_id: str, image_id: str, now: int, tenant: str
) -> tuple[bool, str | None]:
    """`ready → deleting` for a visible person's image: (found, its object key or None if not kept)."""
    async with db.transaction() as tx:
        row = await tx.fetchrow(
            f"SELECT i.object_key FROM images i JOIN persons p ON p.id = i.person_id WHERE {_OWN_IMAGE}",
            image_id,
            person_id,
            now,
            tenant,
        )
        if row is None:
            return False, None
        await tx.execute(
            "UPDATE images SET state = 'deleting', state_changed_at = $2 WHERE id = $1 AND state = 'ready'",
            image_id,
            now,
        )
        return True, row["object_key"]


async def delete_image_row(db: Database, image_id: str) -> None:
    await db.execute("DELETE FROM images WHERE id = $1", image_id)


async def get_ready(db: Database, person_id: str, image_id: str, now: int, tenant: str) -> Image | None:
    row = await db.fetchrow(
        f"SELECT {IMAGE_COLUMNS} FROM images i JOIN persons p ON p.id = i.person_id WHERE {_OWN_IMAGE}",
        image_id,
        person_id,
        now,
        tenant,
    )
    return None if row is None else image_from_row(row)


async def list_ready(db: Database, person_id: str, offset: int, limit: int) -> tuple[list[Image], int]:
    total = await db.fetchrow(
        "SELECT COUNT(*) AS n FROM images i WHERE i.person_id = $1 AND i.state = 'ready'", person_id
    )
    rows = await db.fetch(
        f"SELECT {IMAGE_COLUMNS} FROM images i WHERE i.person_id = $1 AND i.state = 'ready' {NEWEST_FIRST}"
        " LIMIT $2 OFFSET $3",
        person_id,
        limit,
        offset,
    )
    return [image_from_row(row) for row in rows], int(total["n"]) if total else 0


async def images_of_person(db: Database, person_id: str) -> list[tuple[str, str | None]]:
    """(image id, object key) of every image row of the person, whatever its state."""
    rows = await db.fetch("SELECT id, object_key FROM images WHERE person_id = $1", person_id)
    return [(row["id"], row["object_key"]) for row in rows]


async def images_in_state(
    db: Database, state: str, changed_before: int, limit: int
) -> list[tuple[str, str | None]]:
    rows = await db.fetch(
        "SELECT id, object_key FROM images WHERE state = $1 AND state_changed_at <= $2"
        " ORDER BY state_changed_at LIMIT $3",
        state,
        changed_before,
        limit,
    )
    return [(row["id"], row["object_key"]) for row in rows]


async def existing_image_ids(db: Database, image_ids: Sequence[str]) -> set[str]:
    present: set[str] = set()
    for part in chunks(list(image_ids)):
        rows = await db.fetch(f"SELECT id FROM images WHERE id IN ({placeholders(1, len(part))})", *part)
        present.update(row["id"] for row in rows)
    return present


@dataclass(frozen=True, slots=True)
class NameFilter:
    keep: bool  # True = name in `names` ("in"), False = name not in `names` ("nin")
    names: tuple[str, ...]


async def search_candidates(
    db: Database,
    image_ids: Sequence[str],
    now: int,
    tenant: str,
    group_ids: Sequence[str] = (),
    names: NameFilter | None = None,
) -> dict[str, Row]:
    """Of the vector hits, the `ready` images of visible persons that pass the group and name filters: image
    id → its row (the image's columns and its person's, see `candidate_persons`). The rows stay unparsed:
    most candidates rank below the persons a search returns.

    SQL has the last word on membership and tenant: a vector whose group list is stale cannot leak a person
    into a group search, nor a vector index that ignored its filter a person of another tenant."""
    if names is not None and names.keep and not names.names:
        return {}  # "in" an empty list keeps nobody
    candidates: dict[str, Row] = {}
    for part in chunks(list(image_ids)):
        args: list[object] = [now, tenant, *part]
        sql = (
            f"SELECT {IMAGE_COLUMNS}, {_PERSON_OF_IMAGE}"
            " FROM images i JOIN persons p ON p.id = i.person_id"
            f" WHERE i.id IN ({placeholders(3, len(part))}) AND i.state = 'ready'"
            f" AND p.tenant = $2 AND {visible_person('p', 1)}"
        )
        if group_ids:
            first = len(args) + 1
            sql += (
                " AND EXISTS (SELECT 1 FROM person_groups m WHERE m.person_id = p.id"
                f" AND m.group_id IN ({placeholders(first, len(group_ids))}))"
            )
            args += group_ids
        if names is not None and names.names:
            first = len(args) + 1
            sql += f" AND p.name {'IN' if names.keep else 'NOT IN'} ({placeholders(first, len(names.names))})"
            args += names.names
        candidates.update((row["id"], row) for row in await db.fetch(sql, *args))
    return candidates


async def count_searchable(db: Database, tenant: str, group_ids: Sequence[str], now: int) -> int:
    """The images a search of these groups (none: the whole tenant) compares a probe with: `ready` images of
    visible persons, each once. The gallery size the default threshold depends on."""
    sql = (
        "SELECT COUNT(*) AS n FROM images i JOIN persons p ON p.id = i.person_id"
        f" WHERE i.state = 'ready' AND p.tenant = $2 AND {visible_person('p', 1)}"
    )
    if group_ids:
        sql += (
            " AND EXISTS (SELECT 1 FROM person_groups m WHERE m.person_id = p.id"
            f" AND m.group_id IN ({placeholders(3, len(group_ids))}))"
        )
    row = await db.fetchrow(sql, now, tenant, *group_ids)
    return int(row["n"]) if row else 0


async def candidate_persons(db: Database, rows: Sequence[Row]) -> dict[str, Person]:
    """The persons of candidate rows (from `search_candidates`), with their groups."""
    person_rows = {
        row["person_id"]: {
            "id": row["person_id"],
            "name": row["name"],
            "external_id": row["external_id"],
            "metadata": row["person_metadata"],
            "created_at": row["person_created_at"],
            "updated_at": row["person_updated_at"],
            "expire_at": row["expire_at"],
        }
        for row in rows
    }
    persons = await with_groups(db, list(person_rows.values()))
    return {person.id: person for person in persons}


async def images_by_model(db: Database) -> dict[str, int]:
    """`ready` images per descriptor model, across tenants (what re-describing has left to do)."""
    rows = await db.fetch("SELECT model, COUNT(*) AS n FROM images WHERE state = 'ready' GROUP BY model")
    return {row["model"]: int(row["n"]) for row in rows}


async def newest_kept_image(db: Database) -> Row | None:
    """A `ready` image whose photo is kept, the newest: describing it again tells the current model."""
    return await db.fetchrow(
        "SELECT id, object_key FROM images WHERE state = 'ready' AND object_key IS NOT NULL"
        " ORDER BY created_at DESC, id DESC LIMIT 1"
    )


async def images_of_other_models(db: Database, model: str, after_id: str, limit: int) -> list[Row]:
    """`ready` images described by another model than `model`, by id after `after_id`, with their person's
    tenant: the next batch to describe again. Images whose photo is not kept come too (object_key NULL)."""
    return await db.fetch(
        "SELECT i.id, i.person_id, i.object_key, i.model, p.tenant FROM images i"
        " JOIN persons p ON p.id = i.person_id"
        " WHERE i.state = 'ready' AND p.state = 'ready' AND i.model <> $1 AND i.id > $2"
        " ORDER BY i.id LIMIT $3",
        model,
        after_id,
        limit,
    )


async def set_model(db: Database, image_id: str, old: str, new: str, now: int) -> bool:
    """The image now carries a descriptor of `new`; False when it changed state or model meanwhile."""
    changed = await db.execute(
        "UPDATE images SET model = $3, updated_at = $4 WHERE id = $1 AND model = $2 AND state = 'ready'",
        image_id,
        old,
        new,
        now,
    )
    return changed == 1


async def image_model(db: Database, image_id: str) -> str | None:
    """The model of a `ready` image, None when it is not (or no longer) there."""
    row = await db.fetchrow("SELECT model FROM images WHERE id = $1 AND state = 'ready'", image_id)
    return None if row is None else row["model"]
