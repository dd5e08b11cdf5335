"""Storage fixtures (a pytest plugin, registered in tests/conftest.py).

Session-scoped, each server started once on loopback and stopped at the end:
    postgres_database        PostgresTestDatabase: a fresh `visage_test_<random>` database (`.url`)
    s3_server                MotoS3Server: `.endpoint`, `.objects_url(bucket)`, outage helpers (below)
    milvus_server            MilvusStandaloneServer: `.uri`, outage helpers, `.start_seconds`, `.rss_mib()`
    server_store_settings    StoreSettings for PostgreSQL + S3 + Milvus server
    embedded_store_settings  StoreSettings for SQLite + folder + Milvus Lite under a session tmp dir
Outage helpers: `.kill()` / `.start()` (same port and data), `with server.outage():` (killed inside the
block), `with server.hung():` (SIGSTOP: connections hang, calls time out; keep Milvus pauses under its 10 s
session TTL, or it needs ~10 s to serve again).
Per test (opened for the test, closed after, EMPTY at the start), each a `StoresUnderTest` (a `Stores` with
`.settings`, `.database_name` and `.kind` to open the same stores again):
    server_stores, embedded_stores, and `stores` parametrized over both ("server", "embedded")

Empty means: no tables in the database (migrate your schema in the test), no objects, no vectors.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from libs.stores.factory import Stores, StoreSettings, open_stores
from tests.milvus_server import MilvusStandaloneServer
from tests.stores_support import MotoS3Server, PostgresTestDatabase

TEST_BUCKET = "visage-test"
TEST_COLLECTION = "faces_test"


@dataclass(frozen=True)
class StoresUnderTest(Stores):
    """The opened stores plus how to open them again (a second process, a concurrent migrator)."""

    settings: StoreSettings
    database_name: str
    kind: str  # "server" or "embedded"


async def _open(settings: StoreSettings, database_name: str, kind: str) -> StoresUnderTest:
    stores = await open_stores(settings, database_name)
    return StoresUnderTest(stores.database, stores.objects, stores.vectors, settings, database_name, kind)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresTestDatabase]:
    database = PostgresTestDatabase()
    database.create()
    yield database
    database.drop()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3Server]:
    server = MotoS3Server(tmp_path_factory.mktemp("moto") / "moto.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusStandaloneServer]:
    server = MilvusStandaloneServer(tmp_path_factory.mktemp("milvus"))
    server.start()
    yield server
    server.kill()  # its data dies with the tmp dir; a graceful stop takes 10+ s


@pytest.fixture(scope="session")
def server_store_settings(
    postgres_database: PostgresTestDatabase, s3_server: MotoS3Server, milvus_server: MilvusStandaloneServer
) -> StoreSettings:
    return StoreSettings(
        database_url=postgres_database.url,
        objects_url=s3_server.objects_url(TEST_BUCKET),
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        vectors_url=milvus_server.uri,
        collection=TEST_COLLECTION,
        timeout_seconds=3.0,
    )


@pytest.fixture(scope="session")
def embedded_store_settings(tmp_path_factory: pytest.TempPathFactory) -> StoreSettings:
    return StoreSettings(data_dir=tmp_path_factory.mktemp("visage-data"), collection=TEST_COLLECTION)


async def _emptied(stores: StoresUnderTest) -> StoresUnderTest:
    await stores.vectors.delete([image_id async for image_id in stores.vectors.image_ids()])
    async for key in stores.objects.keys():
        await stores.objects.delete(key)
    return stores


@pytest.fixture
async def server_stores(
    server_store_settings: StoreSettings, s3_server: MotoS3Server, milvus_server: MilvusStandaloneServer
) -> AsyncIterator[StoresUnderTest]:
    for server in (s3_server, milvus_server):
        server.start()  # a no-op unless an earlier test left it killed or paused
    stores = await _open(server_store_settings, "visage_test", "server")
    try:
        # One database per session: a fresh schema per test.
        await stores.database.execute("DROP SCHEMA public CASCADE")
        await stores.database.execute("CREATE SCHEMA public")
        yield await _emptied(stores)
    finally:
        await stores.aclose()


@pytest.fixture
async def embedded_stores(embedded_store_settings: StoreSettings) -> AsyncIterator[StoresUnderTest]:
    # A new SQLite file per test; the folder and the Milvus Lite file are shared and emptied.
    stores = await _open(embedded_store_settings, f"test_{uuid.uuid4().hex[:12]}", "embedded")
    try:
        yield await _emptied(stores)
    finally:
        await stores.aclose()


@pytest.fixture(params=["server", "embedded"])
def stores(request: pytest.FixtureRequest) -> StoresUnderTest:
    """A test taking it runs twice: PostgreSQL + S3 + Milvus server, then SQLite + folder + Milvus Lite."""
    return request.getfixturevalue(f"{request.param}_stores")
