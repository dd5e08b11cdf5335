"""`Database` on PostgreSQL through an asyncpg pool."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from libs.errors import InvalidRequestError, UnavailableError
from libs.stores.ports import Database, Migration, Row
from libs.stores.sql_common import apply_migrations, changed_rows, portable_args

# Concurrent migrators (two replicas starting at once) queue on this transaction-level advisory lock.
MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(5638121765893939)"

# Text that PostgreSQL refuses: the request's fault, not the server's.
_TEXT_ERRORS = (
    asyncpg.exceptions.CharacterNotInRepertoireError,  # a NUL in text (22021)
    asyncpg.exceptions.UntranslatableCharacterError,  # "\u0000" in JSON (22P05)
)
# Errors that mean "the server or the connection is gone", not "this statement is wrong".
_CONNECTION_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.InterfaceError,  # connection closed, pool closing
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.OperatorInterventionError,  # class 57: shutdown, cannot connect now
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections, disk full
    # The client's protocol state broke ("cannot switch to state 12; another operation is in progress"):
    # seen when the server terminated the connection in the middle of a call (bench/soak.py).
    asyncpg.exceptions.InternalClientError,
)


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


@contextlib.contextmanager
def _translated(where: str) -> Iterator[None]:
    try:
        yield
    except _CONNECTION_ERRORS as error:
        raise UnavailableError(f"PostgreSQL at {where} does not answer: {error!r}") from error
    except _TEXT_ERRORS as error:  # a gRPC caller's NUL or unencodable text (the gateway refuses it first)
        raise InvalidRequestError(f"text PostgreSQL cannot store: {error}") from error


class PostgresSession:
    """Statements on one pooled connection, inside a transaction."""

    def __init__(self, connection: asyncpg.Connection, where: str) -> None:
        self._connection = connection
        self._where = where

    async def execute(self, sql: str, *args: Any) -> int:
        with _translated(self._where):
            return changed_rows(await self._connection.execute(sql, *portable_args(args)))

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        with _translated(self._where):
            return [dict(record) for record in await self._connection.fetch(sql, *portable_args(args))]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        with _translated(self._where):
            record = await self._connection.fetchrow(sql, *portable_args(args))
        return dict(record) if record is not None else None

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        return self._savepoint()

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[Database]:
        with _translated(self._where):
            savepoint = self._connection.transaction()  # nested: a SAVEPOINT
            await savepoint.start()
        try:
            yield self
        except BaseException:
            with contextlib.suppress(Exception):
                await savepoint.rollback()
            raise
        with _translated(self._where):
            await savepoint.commit()

    async def migrate(self, migrations: Sequence[Migration]) -> list[int]:
        raise TypeError("migrate() runs on the Database, not inside a transaction")

    async def close(self) -> None:
        """The pool takes the connection back when the transaction ends."""


class PostgresDatabase:
    def __init__(self, pool: asyncpg.Pool, where: str, timeout: float) -> None:
        self._pool = pool
        self._where = where
        self._timeout = timeout

    @classmethod
    async def open(
        cls, url: str, password: str | None = None, timeout: float = 5.0, max_connections: int = 10
    ) -> PostgresDatabase:
        where = describe(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                password=password,
                min_size=1,
                max_size=max_connections,
                timeout=timeout,  # connecting
                command_timeout=timeout * 6,  # one statement
            )
        except (*_CONNECTION_ERRORS, asyncpg.exceptions.PostgresError) as error:
            raise UnavailableError(f"cannot open PostgreSQL database {where}: {error!r}") from error
        return cls(pool, where, timeout)

    async def execute(self, sql: str, *args: Any) -> int:
        with _translated(self._where):
            return changed_rows(await self._pool.execute(sql, *portable_args(args)))

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        with _translated(self._where):
            return [dict(record) for record in await self._pool.fetch(sql, *portable_args(args))]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        with _translated(self._where):
            record = await self._pool.fetchrow(sql, *portable_args(args))
        return dict(record) if record is not None else None

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Database]:
        with _translated(self._where):
            connection = await self._pool.acquire(timeout=self._timeout)
        try:
            with _translated(self._where):
                transaction = connection.transaction()
                await transaction.start()
            try:
                yield PostgresSession(connection, self._where)
            except BaseException:
                with contextlib.suppress(Exception):
                    await transaction.rollback()
                raise
            with _translated(self._where):
                await transaction.commit()
        finally:
            with contextlib.suppress(Exception):
                await self._pool.release(connection)

    async def migrate(self, migrations: Sequence[Migration]) -> list[int]:
        return await apply_migrations(self.transaction, migrations, MIGRATION_LOCK)

    async def close(self) -> None:
        # Gracefully, or by terminating the connections when a query still holds one after the timeout.
        try:
            await asyncio.wait_for(self._pool.close(), self._timeout)
        except Exception:
            self._pool.terminate()
