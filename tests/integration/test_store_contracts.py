"""The `Database` and `ObjectStore` ports behave the same on PostgreSQL + S3 and on SQLite + a folder.

(`VectorIndex`: test_vector_contracts.py; outages: test_store_outages.py.)
"""

from __future__ import annotations

import asyncio

import pytest

from libs.errors import InvalidRequestError, NotFoundError
from libs.stores.factory import open_database
from libs.stores.ports import Migration
from tests.fixtures_stores import StoresUnderTest

pytestmark = pytest.mark.integration

SCHEMA = [
    Migration(
        1,
        "persons",
        """
        CREATE TABLE persons (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            score DOUBLE PRECISION,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX persons_name ON persons (name);
        """,
    ),
    Migration(
        2,
        "images",
        """
        CREATE TABLE images (
            id TEXT PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE
        );
        """,
    ),
]
INSERT_PERSON = "INSERT INTO persons (id, name, created_at, score, active) VALUES ($1, $2, $3, $4, $5)"


async def names(stores: StoresUnderTest) -> list[str]:
    return [row["name"] for row in await stores.database.fetch("SELECT name FROM persons ORDER BY name")]


# The vector index keeps its write fence in the same database, under versions of its own (vector_fence.py).
OURS = "WHERE version < 1000000"


async def test_migrate_applies_each_version_once(stores: StoresUnderTest) -> None:
    db = stores.database
    assert await db.migrate(SCHEMA) == [1, 2]
    assert await db.migrate(SCHEMA) == []
    third = Migration(3, "notes", "ALTER TABLE persons ADD COLUMN notes TEXT;")
    assert await db.migrate([*SCHEMA, third]) == [3]
    rows = await db.fetch(f"SELECT version, name FROM schema_migrations {OURS} ORDER BY version")
    assert [(row["version"], row["name"]) for row in rows] == [(1, "persons"), (2, "images"), (3, "notes")]


async def test_two_processes_migrating_at_once_apply_each_version_once(stores: StoresUnderTest) -> None:
    other = await open_database(stores.settings, stores.database_name)
    try:
        first, second = await asyncio.gather(stores.database.migrate(SCHEMA), other.migrate(SCHEMA))
    finally:
        await other.close()
    assert sorted(first + second) == [1, 2]
    counted = await stores.database.fetchrow(f"SELECT count(*) AS n FROM schema_migrations {OURS}")
    assert counted["n"] == 2


async def test_a_failing_migration_leaves_nothing_behind(stores: StoresUnderTest) -> None:
    broken = Migration(1, "broken", "CREATE TABLE half (id TEXT);\nCREATE TABLE oops (;\n")
    with pytest.raises(Exception):  # noqa: B017 - a syntax error: each backend's own error type
        await stores.database.migrate([broken])
    assert await stores.database.migrate(SCHEMA[:1]) == [1]
    tables = await stores.database.fetch(f"SELECT version FROM schema_migrations {OURS}")
    assert tables == [{"version": 1}]
    with pytest.raises(Exception):  # noqa: B017 - the half table was rolled back with its migration
        await stores.database.fetch("SELECT * FROM half")


async def test_placeholders_types_and_changed_rows(stores: StoresUnderTest) -> None:
    db = stores.database
    await db.migrate(SCHEMA)
    epoch_ms = 1_795_656_239_664  # beyond 32 bits
    assert await db.execute(INSERT_PERSON, "p1", "Zoë $1 'quoted'", epoch_ms, 0.25, True) == 1
    assert await db.execute(INSERT_PERSON, "p2", "Bob", 2, None, False) == 1
    row = await db.fetchrow("SELECT * FROM persons WHERE id = $1", "p1")
    assert row == {
        "id": "p1",
        "name": "Zoë $1 'quoted'",
        "created_at": epoch_ms,
        "score": 0.25,
        "active": 1,
    }
    # $n may repeat and come out of order; a '$1' inside a string literal is text.
    rows = await db.fetch(
        "SELECT id, '$1' AS literal FROM persons"
        " WHERE created_at > $2 OR (id = $1 AND name = $1) ORDER BY id",
        "p2",
        100,
    )
    assert rows == [{"id": "p1", "literal": "$1"}]
    assert (await db.fetchrow("SELECT score, active FROM persons WHERE id = $1", "p2")) == {
        "score": None,
        "active": 0,
    }
    assert await db.fetchrow("SELECT id FROM persons WHERE id = $1", "nobody") is None
    assert await db.execute("UPDATE persons SET score = $1", 1.5) == 2
    assert await db.execute("DELETE FROM persons WHERE id = $1", "nobody") == 0
    returned = await db.fetchrow("UPDATE persons SET name = $1 WHERE id = $2 RETURNING id, name", "Ann", "p2")
    assert returned == {"id": "p2", "name": "Ann"}


async def test_transaction_commits_on_exit_and_is_invisible_before(stores: StoresUnderTest) -> None:
    db = stores.database
    await db.migrate(SCHEMA)
    async with db.transaction() as tx:
        await tx.execute(INSERT_PERSON, "p1", "Ann", 1, None, True)
        assert [row["name"] for row in await tx.fetch("SELECT name FROM persons")] == ["Ann"]
        assert await names(stores) == []  # other connections see only committed rows
    assert await names(stores) == ["Ann"]


async def test_transaction_rolls_back_on_an_exception(stores: StoresUnderTest) -> None:
    db = stores.database
    await db.migrate(SCHEMA)
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as tx:
            await tx.execute(INSERT_PERSON, "p1", "Ann", 1, None, True)
            raise RuntimeError("boom")
    assert await names(stores) == []
    async with db.transaction() as tx:  # the connection is usable again
        await tx.execute(INSERT_PERSON, "p2", "Bob", 1, None, True)
    assert await names(stores) == ["Bob"]


async def test_nested_transaction_rolls_back_alone(stores: StoresUnderTest) -> None:
    db = stores.database
    await db.migrate(SCHEMA)
    async with db.transaction() as tx:
        await tx.execute(INSERT_PERSON, "p1", "Ann", 1, None, True)
        with pytest.raises(ValueError):
            async with tx.transaction() as inner:
                await inner.execute(INSERT_PERSON, "p2", "Bob", 1, None, True)
                raise ValueError("undo Bob only")
    assert await names(stores) == ["Ann"]


async def test_concurrent_transactions_lose_no_update(stores: StoresUnderTest) -> None:
    db = stores.database
    await db.migrate(SCHEMA)
    await db.execute(INSERT_PERSON, "counter", "counter", 0, 0.0, True)

    async def add_one(index: int) -> None:
        async with db.transaction() as tx:
            await tx.execute("UPDATE persons SET created_at = created_at + 1 WHERE id = $1", "counter")
            await tx.execute(INSERT_PERSON, f"p{index}", f"n{index:02d}", index, None, True)

    await asyncio.gather(*(add_one(index) for index in range(20)))
    assert (await db.fetchrow("SELECT created_at FROM persons WHERE id = $1", "counter"))["created_at"] == 20
    assert len(await names(stores)) == 21


async def test_foreign_keys_are_enforced_and_cascade(stores: StoresUnderTest) -> None:
    db = stores.database
    await db.migrate(SCHEMA)
    await db.execute(INSERT_PERSON, "p1", "Ann", 1, None, True)
    await db.execute("INSERT INTO images (id, person_id) VALUES ($1, $2), ($3, $2)", "i1", "p1", "i2")
    with pytest.raises(Exception):  # noqa: B017 - each backend's own integrity error
        await db.execute("INSERT INTO images (id, person_id) VALUES ($1, $2)", "i3", "nobody")
    assert await db.execute("DELETE FROM persons WHERE id = $1", "p1") == 1
    assert (await db.fetchrow("SELECT count(*) AS n FROM images"))["n"] == 0


# ---- ObjectStore ----


async def test_objects_round_trip_with_their_content_type(stores: StoresUnderTest) -> None:
    objects = stores.objects
    payload = bytes(range(256)) * 100
    await objects.put("persons/p1/i1", payload, "image/jpeg")
    await objects.put("persons/p1/i2", b"", "image/png")
    assert await objects.get("persons/p1/i1") == (payload, "image/jpeg")
    assert await objects.get("persons/p1/i2") == (b"", "image/png")
    await objects.put("persons/p1/i1", b"replaced", "image/webp")
    assert await objects.get("persons/p1/i1") == (b"replaced", "image/webp")
    assert await objects.exists("persons/p1/i1")
    assert not await objects.exists("persons/p1/missing")


async def test_absent_objects(stores: StoresUnderTest) -> None:
    with pytest.raises(NotFoundError):
        await stores.objects.get("persons/nobody/nothing")
    await stores.objects.delete("persons/nobody/nothing")  # not an error: deletes are retried
    await stores.objects.put("a/b", b"1", "text/plain")
    await stores.objects.delete("a/b")
    await stores.objects.delete("a/b")
    with pytest.raises(NotFoundError):
        await stores.objects.get("a/b")


async def test_keys_lists_every_object_under_a_prefix(stores: StoresUnderTest) -> None:
    objects = stores.objects
    wanted = {f"persons/p{person}/i{image}" for person in range(3) for image in range(4)}
    await asyncio.gather(*(objects.put(key, key.encode(), "text/plain") for key in wanted))
    await objects.put("liveness/t1/frame", b"x", "video/mp4")
    assert {key async for key in objects.keys("persons/")} == wanted
    first_person = {key for key in wanted if key.startswith("persons/p1/")}
    assert {key async for key in objects.keys("persons/p1")} == first_person
    assert {key async for key in objects.keys("")} == wanted | {"liveness/t1/frame"}
    assert [key async for key in objects.keys("nothing/")] == []


@pytest.mark.parametrize("key", ["", "../escape", "a/../../escape", "/absolute", "a//b", "a/.hidden", "a\\b"])
async def test_keys_that_could_escape_are_refused(stores: StoresUnderTest, key: str) -> None:
    with pytest.raises(InvalidRequestError):
        await stores.objects.put(key, b"x", "text/plain")
    with pytest.raises(InvalidRequestError):
        await stores.objects.get(key)


async def test_link_names_the_object(stores: StoresUnderTest) -> None:
    link = stores.objects.link("persons/p1/i1")
    expected = "s3://visage-test/persons/p1/i1" if stores.kind == "server" else "file:///"
    assert link.startswith(expected) and link.endswith("/persons/p1/i1")


async def test_text_postgresql_cannot_store_is_the_requests_fault(server_stores: StoresUnderTest) -> None:
    """A gRPC caller (the gateway refuses these first) sends a NUL: 400-class, not "the database failed"."""
    db = server_stores.database
    await db.migrate(SCHEMA)
    with pytest.raises(InvalidRequestError, match="cannot store"):
        await db.execute(
            "INSERT INTO persons (id, name, created_at) VALUES ($1, $2, $3)", "p-nul", "floor\x003", 1
        )
