"""A dead or hung S3 / Milvus server: the adapters fail within seconds with UnavailableError and work again,
without being reopened, once the server is back. (The machine's PostgreSQL is shared: it is not killed here;
the connections to the test's own database are terminated instead.)
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import numpy as np
import pytest

from libs.errors import NotFoundError, UnavailableError
from libs.observability.metrics import ServiceMetrics
from libs.stores.factory import StoreSettings, open_database, open_objects, open_vectors
from libs.stores.ports import VectorRecord
from tests.fixtures_stores import TEST_BUCKET, StoresUnderTest
from tests.milvus_server import MilvusStandaloneServer
from tests.stores_support import MotoS3Server, free_port

pytestmark = pytest.mark.integration

T = TypeVar("T")
QUICK = 5.0  # seconds: a refused connection must not cost more (timeout_seconds is 3 in these settings)


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(128).astype(np.float32)
    return vector / np.linalg.norm(vector)


async def fails_quickly(call: Awaitable[object], limit: float = QUICK) -> float:
    began = time.monotonic()
    with pytest.raises(UnavailableError):
        await call
    elapsed = time.monotonic() - began
    assert elapsed < limit
    return elapsed


async def until_served(call: Callable[..., Awaitable[T]], *args: object, within: float = 90) -> T:
    deadline = time.monotonic() + within
    while True:
        try:
            return await call(*args)
        except UnavailableError:
            assert time.monotonic() < deadline, f"Milvus did not serve again within {within} s"
            await asyncio.sleep(1)


async def test_s3_killed_then_restarted(server_stores: StoresUnderTest, s3_server: MotoS3Server) -> None:
    objects = server_stores.objects
    await objects.put("persons/p/before", b"1", "image/jpeg")
    with s3_server.outage():
        await fails_quickly(objects.put("persons/p/during", b"2", "image/jpeg"))
        await fails_quickly(objects.get("persons/p/before"))
        await fails_quickly(objects.exists("persons/p/before"))
        await fails_quickly(objects.delete("persons/p/before"))
    # moto forgets its objects when killed (a real S3 would not): check that new calls work.
    await objects.put("persons/p/after", b"3", "image/png")
    assert await objects.get("persons/p/after") == (b"3", "image/png")


async def test_s3_hung(server_stores: StoresUnderTest, s3_server: MotoS3Server) -> None:
    objects = server_stores.objects
    timeout = server_stores.settings.timeout_seconds
    with s3_server.hung():
        await fails_quickly(objects.get("persons/p/anything"), timeout + 2)
    await objects.put("persons/p/after", b"3", "image/png")
    assert await objects.get("persons/p/after") == (b"3", "image/png")


async def test_milvus_killed_then_restarted(
    server_stores: StoresUnderTest, milvus_server: MilvusStandaloneServer
) -> None:
    vectors = server_stores.vectors
    await vectors.upsert([VectorRecord("before", "p", unit(1), ("g",))])
    milvus_server.kill()
    try:
        await fails_quickly(vectors.search(unit(1), 3))
        await fails_quickly(vectors.upsert([VectorRecord("during", "p", unit(2), ())]))
        await fails_quickly(vectors.count())
    finally:
        milvus_server.start()
    # The restarted server needs some seconds to serve the collection again (it waits for the killed
    # process's sessions to expire); the same adapter then works, and kept what was written before the kill.
    hits = await until_served(vectors.search, unit(1), 3)
    assert [hit.image_id for hit in hits] == ["before"]
    await vectors.upsert([VectorRecord("after", "p", unit(3), ())])
    assert [hit.image_id for hit in await vectors.search(unit(3), 1)] == ["after"]


async def test_milvus_hung(server_stores: StoresUnderTest, milvus_server: MilvusStandaloneServer) -> None:
    vectors = server_stores.vectors
    timeout = server_stores.settings.timeout_seconds
    with milvus_server.hung():  # one call: a long pause would expire the server's own sessions
        await fails_quickly(vectors.upsert([VectorRecord("during", "p", unit(2), ())]), timeout + 2)
    await until_served(vectors.upsert, [VectorRecord("after", "p", unit(3), ())])
    assert [hit.image_id for hit in await vectors.search(unit(3), 1)] == ["after"]


async def test_many_calls_to_a_hung_milvus_each_fail_quickly(
    server_stores: StoresUnderTest, milvus_server: MilvusStandaloneServer
) -> None:
    """More calls at once than the adapter has threads: those waiting for a thread fail in time as well,
    instead of one timeout after another (50 clients searched for 25 s in the soak before)."""
    vectors = server_stores.vectors
    timeout = server_stores.settings.timeout_seconds
    with milvus_server.hung():
        calls = [fails_quickly(vectors.search(unit(seed), 3), timeout + 2) for seed in range(40)]
        await asyncio.gather(*calls)
    await until_served(vectors.upsert, [VectorRecord("after", "p", unit(3), ())])


async def test_postgres_connections_terminated_mid_call_fail_as_unavailable(
    server_stores: StoresUnderTest,
) -> None:
    """What a PostgreSQL restart or failover does to the pool: every interrupted call is UnavailableError
    (503; the soak once got a 500 from asyncpg's InternalClientError), and the pool serves again."""
    database = server_stores.database
    failures: list[Exception] = []

    async def caller() -> None:
        for _ in range(25):
            try:
                await database.fetch("SELECT pg_sleep(0.02)")
            except Exception as error:
                failures.append(error)

    async def terminator() -> None:
        for _ in range(6):
            await asyncio.sleep(0.1)
            with contextlib.suppress(UnavailableError):
                await database.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

    await asyncio.gather(*(caller() for _ in range(20)), terminator())
    assert failures, "no call was interrupted"
    others = [repr(error) for error in failures if type(error) is not UnavailableError]
    assert not others, others[:3]
    assert await until_served(database.fetchrow, "SELECT 1 AS one") == {"one": 1}


async def test_unreachable_servers_fail_to_open_quickly() -> None:
    closed = f"127.0.0.1:{free_port()}"  # nothing listens there
    settings = StoreSettings(
        database_url=f"postgresql://postgres@{closed}/visage",
        objects_url=f"s3://bucket?endpoint=http://{closed}",
        s3_access_key="key",
        s3_secret_key="secret",
        vectors_url=f"http://{closed}",
        timeout_seconds=2.0,
    )
    await fails_quickly(open_database(settings, "identification"))
    await fails_quickly(open_objects(settings))
    await fails_quickly(open_vectors(settings))


async def test_a_missing_postgres_database_is_named(server_store_settings: StoreSettings) -> None:
    url = server_store_settings.database_url or ""
    settings = StoreSettings(database_url=url.rsplit("/", 1)[0] + "/visage_no_such_database")
    with pytest.raises(UnavailableError, match="visage_no_such_database"):
        await open_database(settings, "identification")


async def test_an_s3_outage_counts_as_store_errors_and_a_missing_object_does_not(
    s3_server: MotoS3Server,
) -> None:
    s3_server.start()  # a no-op unless an earlier test left it killed
    settings = StoreSettings(
        objects_url=s3_server.objects_url(TEST_BUCKET),
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        timeout_seconds=3.0,
    )
    metrics = ServiceMetrics("identification")
    objects = await open_objects(settings, metrics)
    try:
        with pytest.raises(NotFoundError):
            await objects.get("persons/p/never-stored")
        with s3_server.outage():
            await fails_quickly(objects.get("persons/p/never-stored"))
    finally:
        await objects.close()

    def sample(name: str) -> float | None:
        labels = {"store": "objects", "operation": "get"}
        return metrics.registry.get_sample_value(f"visage_identification_{name}", labels)

    assert sample("store_errors_total") == 1  # the outage, not the answer "no such object"
    assert sample("store_duration_seconds_count") == 2
