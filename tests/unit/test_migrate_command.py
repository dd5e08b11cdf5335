"""`python -m services.<name> migrate` and `visage keys migrate`: the steps of the deployment's migration Job
(deploy/k8s/base/migrate-job.yaml), here on the embedded SQLite databases; tests/integration/
test_migrate_postgres.py runs them on PostgreSQL as the Job does."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app
from libs.auth.repository import MIGRATIONS as KEY_MIGRATIONS
from libs.identification.schema import MIGRATIONS as IDENTIFICATION_MIGRATIONS
from libs.liveness.repository import MIGRATIONS as LIVENESS_MIGRATIONS
from libs.stores.ports import Migration
from services.common.lifecycle import ServiceSpec, main
from services.detection.service import SERVICE as DETECTION
from services.identification.service import SERVICE as IDENTIFICATION
from services.liveness.service import SERVICE as LIVENESS

pytestmark = pytest.mark.unit


def _versions(database: Path) -> list[int]:
    with sqlite3.connect(database) as connection:
        return [
            row[0] for row in connection.execute("SELECT version FROM schema_migrations ORDER BY version")
        ]


@pytest.mark.parametrize(
    ("spec", "prefix", "migrations"),
    [
        (IDENTIFICATION, "VISAGE_IDENTIFICATION_STORES__", IDENTIFICATION_MIGRATIONS),
        (LIVENESS, "VISAGE_LIVENESS_STORES__", LIVENESS_MIGRATIONS),
    ],
    ids=["identification", "liveness"],
)
def test_migrate_creates_the_schema_once_and_exits(
    spec: ServiceSpec[Any],
    prefix: str,
    migrations: Sequence[Migration],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(f"{prefix}DATA_DIR", str(tmp_path))
    assert main(spec, ["migrate"]) == 0
    expected = sorted(migration.version for migration in migrations)
    assert _versions(tmp_path / f"{spec.name}.db") == expected
    assert f"applied now: {expected}" in capfd.readouterr().err  # the process's own log lines
    assert main(spec, ["migrate"]) == 0  # the Job runs again at the next rollout: nothing to do
    assert "applied now: none" in capfd.readouterr().err
    # The database alone (with SQLite's journal files): no object folder, no vector index was opened.
    assert {path.name.split("-")[0] for path in tmp_path.iterdir()} == {f"{spec.name}.db"}


def test_migrate_reports_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    monkeypatch.setenv("VISAGE_IDENTIFICATION_STORES__DATABASE_URL", "postgresql://visage@127.0.0.1:1/visage")
    monkeypatch.setenv("VISAGE_IDENTIFICATION_STORES__TIMEOUT_SECONDS", "2")
    assert main(IDENTIFICATION, ["migrate"]) == 1
    assert "cannot migrate" in capfd.readouterr().err


def test_a_service_without_a_database_has_no_migrate_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(DETECTION, ["migrate"]) == 2
    assert "usage: python -m services.detection [probe]" in capsys.readouterr().err


def test_keys_migrate_creates_the_key_store_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISAGE_GATEWAY_KEYS__DATA_DIR", str(tmp_path))
    first = CliRunner().invoke(app, ["keys", "migrate"])
    assert first.exit_code == 0, first.output
    assert _versions(tmp_path / "gateway.db") == sorted(migration.version for migration in KEY_MIGRATIONS)
    assert "applied now: none" in CliRunner().invoke(app, ["keys", "migrate"]).output
    assert not (tmp_path / "api-keys.pepper").exists()  # migrating needs no pepper and makes none
