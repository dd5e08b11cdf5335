"""The migration Job's three steps (deploy/k8s/base/migrate-job.yaml) on PostgreSQL, one database each as
deploy/README.md sets them up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from typer.testing import CliRunner

from cli.app import app
from libs.auth.repository import MIGRATIONS as KEY_MIGRATIONS
from libs.identification.schema import MIGRATIONS as IDENTIFICATION_MIGRATIONS
from libs.liveness.repository import MIGRATIONS as LIVENESS_MIGRATIONS
from services.common.lifecycle import main
from services.identification.service import SERVICE as IDENTIFICATION
from services.liveness.service import SERVICE as LIVENESS
from tests.stores_support import PostgresTestDatabase

pytestmark = pytest.mark.integration


@pytest.fixture
def databases() -> Iterator[dict[str, PostgresTestDatabase]]:
    created = {name: PostgresTestDatabase() for name in ("identification", "liveness", "gateway")}
    for database in created.values():
        database.create()
    yield created
    for database in created.values():
        database.drop()


async def _versions(url: str) -> list[int]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT version FROM schema_migrations ORDER BY version")
        return [row["version"] for row in rows]
    finally:
        await connection.close()


def test_the_migration_job_steps_migrate_each_database(
    databases: dict[str, PostgresTestDatabase], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISAGE_IDENTIFICATION_STORES__DATABASE_URL", databases["identification"].url)
    monkeypatch.setenv("VISAGE_LIVENESS_STORES__DATABASE_URL", databases["liveness"].url)
    monkeypatch.setenv("VISAGE_GATEWAY_KEYS__DATABASE_URL", databases["gateway"].url)
    assert main(IDENTIFICATION, ["migrate"]) == 0
    assert main(LIVENESS, ["migrate"]) == 0
    result = CliRunner().invoke(app, ["keys", "migrate"])
    assert result.exit_code == 0, result.output
    for name, migrations in (
        ("identification", IDENTIFICATION_MIGRATIONS),
        ("liveness", LIVENESS_MIGRATIONS),
        ("gateway", KEY_MIGRATIONS),
    ):
        expected = sorted(migration.version for migration in migrations)
        assert asyncio.run(_versions(databases[name].url)) == expected, name
    assert "applied now: none" in CliRunner().invoke(app, ["keys", "migrate"]).output
