"""`Database` on SQLite (aiosqlite): the embedded default.

WAL journal, foreign keys on, one writer. Writes and transactions run on one connection behind a lock, each
transaction as `BEGIN IMMEDIATE` (it takes SQLite's write lock at once, so two processes wait for each other
instead of failing half-way); plain SELECTs run on a second connection and see only committed data, as on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from libs.errors import UnavailableError
from libs.stores.ports import Database, Migration, Row
from libs.stores.sql_common import apply_migrations, portable_args, to_sqlite_placeholders

BUSY_TIMEOUT_SECONDS = 10.0


@contextlib.contextmanager
def _translated(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as error:
        text = str(error)
        # Schema and syntax errors are the caller's bugs; locks, I/O and a full disk are an unusable database.
        if any(word in text for word in ("locked", "busy", "disk", "I/O", "unable to open", "readonly")):
            raise UnavailableError(f"SQLite database {path} is not usable: {text}") from error
        raise
    except ValueError as error:  # aiosqlite: "no active connection"
        raise UnavailableError(f"SQLite database {path} is closed: {error}") from error


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: autocommit; transactions are explicit BEGIN/COMMIT.
    connection = await aiosqlite.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
    connection.row_factory = sqlite3.Row
    await connection.execute("PRAGMA journal_mode=WAL")
    await connection.execute("PRAGMA foreign_keys=ON")
    await connection.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; safe with WAL
    return connection


class SqliteSession:
    """Statements on one connection, inside a transaction its owner opened."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._path = path
        self._savepoints = 0

    async def execute(self, sql: str, *args: Any) -> int:
        with _translated(self._path):
            async with self._connection.execute(to_sqlite_placeholders(sql), portable_args(args)) as cursor:
                return max(cursor.rowcount, 0)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        with _translated(self._path):
            rows = await self._connection.execute_fetchall(to_sqlite_placeholders(sql), portable_args(args))
            return [dict(row) for row in rows]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        return self._savepoint()

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[Database]:
        self._savepoints += 1
        name = f"visage_sp{self._savepoints}"
        await self.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            await self.execute(f"ROLLBACK TO {name}")
            await self.execute(f"RELEASE {name}")
            raise
        await self.execute(f"RELEASE {name}")

    async def migrate(self, migrations: Sequence[Migration]) -> list[int]:
        raise TypeError("migrate() runs on the Database, not inside a transaction")

    async def close(self) -> None:
        """The transaction's owner closes the connection."""


class SqliteDatabase:
    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = SqliteSession(writer, path)
        self._writer_connection = writer
        self._reader = SqliteSession(reader, path)
        self._reader_connection = reader
        self._write_lock = asyncio.Lock()
        self._lock_owner: asyncio.Task[Any] | None = None

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = await _connect(path)
            reader = await _connect(path)
        except (OSError, sqlite3.Error) as error:
            raise UnavailableError(f"cannot open SQLite database {path}: {error}") from error
        return cls(path, writer, reader)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[SqliteSession]:
        task = asyncio.current_task()
        if task is not None and task is self._lock_owner:
            # Waiting here would deadlock: the lock is this task's own open transaction.
            raise RuntimeError("inside transaction(), run statements on the Database it yields")
        async with self._write_lock:
            self._lock_owner = task
            try:
                yield self._writer
            finally:
                self._lock_owner = None

    async def execute(self, sql: str, *args: Any) -> int:
        async with self._writing() as writer:
            return await writer.execute(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        if sql.lstrip()[:6].upper() == "SELECT":
            return await self._reader.fetch(sql, *args)
        async with self._writing() as writer:  # INSERT ... RETURNING and friends
            return await writer.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Database]:
        async with self._writing() as writer:
            await writer.execute("BEGIN IMMEDIATE")
            try:
                yield writer
            except BaseException:
                with contextlib.suppress(Exception):  # SQLite may have rolled back already (a full disk)
                    await writer.execute("ROLLBACK")
                raise
            try:
                await writer.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    await writer.execute("ROLLBACK")
                raise

    async def migrate(self, migrations: Sequence[Migration]) -> list[int]:
        return await apply_migrations(self.transaction, migrations)

    async def close(self) -> None:
        for connection in (self._reader_connection, self._writer_connection):
            with contextlib.suppress(Exception):
                await connection.close()
