"""What only the embedded stores promise: a folder a person can read, a SQLite file that cannot deadlock."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from libs.errors import InvalidRequestError
from libs.stores.objects_folder import FolderObjectStore
from libs.stores.sqlite import SqliteDatabase

pytestmark = pytest.mark.unit


async def test_folder_keeps_plain_files_and_nothing_else(tmp_path: Path) -> None:
    store = await FolderObjectStore.open(tmp_path / "objects")
    await asyncio.gather(*(store.put("persons/p1/i1", bytes([n]) * 1000, "image/jpeg") for n in range(10)))
    photo = tmp_path / "objects" / "persons" / "p1" / "i1"
    assert photo.read_bytes() in {bytes([n]) * 1000 for n in range(10)}  # one whole write won
    # Only the photo and its hidden content type: no temporary file survives.
    assert sorted(p.name for p in photo.parent.iterdir()) == [".i1.content-type", "i1"]
    assert store.link("persons/p1/i1") == photo.absolute().as_uri()
    await store.delete("persons/p1/i1")
    assert not (tmp_path / "objects" / "persons").exists()  # emptied directories go too
    assert (tmp_path / "objects").is_dir()


async def test_folder_keys_never_leave_the_folder(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("outside")
    store = await FolderObjectStore.open(tmp_path / "objects")
    for key in ("../secret", "persons/../../secret", "/etc/passwd"):
        with pytest.raises(InvalidRequestError):
            await store.get(key)
    with pytest.raises(InvalidRequestError):
        [key async for key in store.keys("../")]


async def test_folder_reads_a_file_put_there_by_hand(tmp_path: Path) -> None:
    (tmp_path / "objects" / "imports").mkdir(parents=True)
    (tmp_path / "objects" / "imports" / "face.jpg").write_bytes(b"\xff\xd8")
    store = await FolderObjectStore.open(tmp_path / "objects")
    assert await store.get("imports/face.jpg") == (b"\xff\xd8", "application/octet-stream")


async def test_sqlite_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "data" / "x.db")
    try:
        assert (await db.fetchrow("PRAGMA journal_mode"))["journal_mode"] == "wal"
        assert (await db.fetchrow("PRAGMA foreign_keys"))["foreign_keys"] == 1
    finally:
        await db.close()


async def test_sqlite_refuses_a_write_that_would_deadlock_its_own_transaction(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "x.db")
    try:
        await db.execute("CREATE TABLE t (x INTEGER)")
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES ($1)", 1)
            with pytest.raises(RuntimeError, match="transaction"):
                await db.execute("INSERT INTO t VALUES ($1)", 2)  # the outer db, not tx
        assert await db.fetch("SELECT x FROM t") == [{"x": 1}]
    finally:
        await db.close()


async def test_sqlite_waits_for_another_process_writer(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "x.db")
    try:
        await db.execute("CREATE TABLE t (x INTEGER)")
        other = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock for a moment
        other.execute("INSERT INTO t VALUES (1)")
        write = asyncio.create_task(db.execute("INSERT INTO t VALUES ($1)", 2))
        await asyncio.sleep(0.3)
        assert not write.done()
        other.execute("COMMIT")
        other.close()
        assert await write == 1
        assert await db.fetch("SELECT x FROM t ORDER BY x") == [{"x": 1}, {"x": 2}]
    finally:
        await db.close()
