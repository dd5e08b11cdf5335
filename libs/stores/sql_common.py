"""What the SQL adapters share: migration scripts, placeholders, argument conversion, the migration runner."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from libs.stores.ports import Database, Migration

# A string literal ('it''s' included), or a $n placeholder outside of one.
_LITERAL_OR_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\$(\d+)")
# Migration scripts end each statement with ';' at the end of a line.
_STATEMENT_END = re.compile(r";[ \t]*(?:\r?\n|$)")

CREATE_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
)


def split_statements(script: str) -> list[str]:
    """The statements of a migration script (split on ';' at line ends), without empty ones."""
    return [part.strip() for part in _STATEMENT_END.split(script) if part.strip()]


def to_sqlite_placeholders(sql: str) -> str:
    """`$1` → `?1`: SQLite's numbered parameters, so `$n` may repeat or come out of order as in PostgreSQL."""

    def replace(match: re.Match[str]) -> str:
        return f"?{match.group(1)}" if match.group(1) else match.group(0)

    return _LITERAL_OR_PLACEHOLDER.sub(replace, sql)


def changed_rows(status: str) -> int:
    """Rows changed according to an asyncpg command status (`UPDATE 3`, `INSERT 0 1`, `CREATE TABLE`)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def portable_args(args: Sequence[Any]) -> tuple[Any, ...]:
    """Booleans become 0/1: the portable schema stores them in INTEGER columns (PostgreSQL refuses a bool)."""
    return tuple(int(arg) if isinstance(arg, bool) else arg for arg in args)


def check_migrations(migrations: Sequence[Migration]) -> list[Migration]:
    ordered = sorted(migrations, key=lambda migration: migration.version)
    versions = [migration.version for migration in ordered]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {versions}")
    return ordered


async def apply_migrations(
    transaction: Callable[[], AbstractAsyncContextManager[Database]],
    migrations: Sequence[Migration],
    lock_statement: str | None = None,
) -> list[int]:
    """Apply each pending migration in its own transaction; returns the versions applied now.

    Each transaction first takes a lock that concurrent migrators share (`lock_statement` on PostgreSQL,
    `BEGIN IMMEDIATE` on SQLite), then reads `schema_migrations`, so a second process that starts at the
    same time waits and then finds the migration done.
    """
    applied: list[int] = []
    for migration in check_migrations(migrations):
        async with transaction() as tx:
            if lock_statement:
                await tx.execute(lock_statement)
            await tx.execute(CREATE_MIGRATIONS_TABLE)
            done = await tx.fetchrow(
                "SELECT 1 AS done FROM schema_migrations WHERE version = $1", migration.version
            )
            if done is not None:
                continue
            for statement in split_statements(migration.sql):
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                int(time.time() * 1000),
            )
        applied.append(migration.version)
    return applied
