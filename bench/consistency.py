"""Read-your-writes on the Milvus server: search latency at each consistency level, idle and after a write.

Two `MilvusVectorIndex` instances stand for two identification replicas: each has its own Milvus client, and
they share only the SQL database (PostgreSQL on 127.0.0.1:5432 when it answers, else a SQLite file). The
collection holds 20,000 random vectors, flushed and indexed. "After a write": the writer upserts a new
vector and at once the reader searches for it (64 candidates, no filter); the row counts how often the
reader found it and times the reader's search. "Idle": searches that follow no write (the last one a
second before). Levels: Strong (every search waits for Milvus' newest timestamp), Session (the default:
a search waits for the latest write timestamp of its tenant kept in the database,
`libs/stores/vector_fence.py`), Bounded and Eventually (no wait; Bounded reads data up to 5 s old on
Milvus 2.3). "Another tenant's write": the writer writes for one tenant and the reader searches another,
which Session does not wait for. The writer's upsert and delete times include allocating the timestamp
and keeping it in the database; the fence read is timed alone too.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import numpy as np

from bench import BenchSettings
from bench.common import method_of, ratio
from bench.search_index import wait_indexed
from bench.section import Section
from libs.stores.factory import DatabaseSettings, StoreSettings, open_database
from libs.stores.ports import Database, VectorRecord
from libs.stores.vector_fence import DatabaseFence
from libs.stores.vectors_milvus import MilvusVectorIndex

COLLECTION = "bench_consistency"
GALLERY = 20_000
CANDIDATES = 64
LEVELS = ("Strong", "Session", "Bounded", "Eventually")


def unit_vectors(count: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.standard_normal((count, 128)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@contextlib.contextmanager
def server_uri(settings: BenchSettings, workdir: Path) -> Iterator[str]:
    if settings.bench_milvus_uri:
        yield settings.bench_milvus_uri
        return
    from bench.milvus_server import milvus_server

    with milvus_server(workdir / "milvus") as uri:
        yield uri


@contextlib.asynccontextmanager
async def shared_database(workdir: Path) -> AsyncIterator[tuple[str, Database]]:
    """(its kind, the database): a fresh PostgreSQL database when the server answers, else SQLite."""
    from tests.stores_support import PostgresTestDatabase

    postgres = PostgresTestDatabase()
    try:
        postgres.create()
    except RuntimeError:
        database = await open_database(DatabaseSettings(data_dir=workdir), "fence")
        try:
            yield "SQLite", database
        finally:
            await database.close()
        return
    database = await open_database(DatabaseSettings(database_url=postgres.url), "fence")
    try:
        yield "PostgreSQL", database
    finally:
        await database.close()
        postgres.drop()


async def open_index(
    uri: str,
    level: str = "Session",
    database: Database | None = None,
    collection: str = COLLECTION,
    timeout: float = 10.0,
) -> MilvusVectorIndex:
    """The identification service's index (its HNSW defaults) at any consistency level Milvus has."""
    defaults = StoreSettings()
    return await MilvusVectorIndex.open(
        uri,
        collection,
        hnsw_m=defaults.hnsw_m,
        hnsw_ef_construction=defaults.hnsw_ef_construction,
        search_ef=defaults.search_ef,
        consistency=level,
        timeout=timeout,
        fence=DatabaseFence(database) if database is not None else None,  # dropped by all but Session
    )


async def timed_ms(call: Callable[[], Awaitable[object]]) -> tuple[float, object]:
    start = time.perf_counter()
    result = await call()
    return (time.perf_counter() - start) * 1000, result


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}"


async def measure(uri: str, database: Database, runs: int) -> tuple[list[list[str]], list[list[str]], dict]:
    rng = np.random.default_rng(7)
    writer = await open_index(uri, "Session", database)
    gallery = unit_vectors(GALLERY, rng)
    for start in range(0, GALLERY, 1000):
        await writer.upsert(
            [
                VectorRecord(f"g{start + i}", f"g{start + i}", v, ())
                for i, v in enumerate(gallery[start:][:1000])
            ]
        )
    await asyncio.to_thread(wait_indexed, uri, COLLECTION)
    rows, figures = [], {}
    upserts: list[float] = []
    written: list[str] = []
    for level in LEVELS:
        reader = await open_index(uri, level, database)
        try:
            cases = [("after a write", "default"), ("idle", None)]
            if level == "Session":
                cases.insert(1, ("after another tenant's write", "other"))
            for case, write_tenant in cases:
                latencies, found = [], 0
                await reader.search(gallery[0], CANDIDATES)  # warm
                await asyncio.sleep(1.0)
                for _ in range(runs):
                    vector = unit_vectors(1, rng)[0]
                    image_id = str(uuid.uuid4())
                    if write_tenant is not None:
                        record = VectorRecord(image_id, image_id, vector, (), write_tenant)
                        upsert_ms, _ = await timed_ms(lambda record=record: writer.upsert([record]))
                        upserts.append(upsert_ms)
                        written.append(image_id)
                    else:
                        vector = gallery[int(rng.integers(GALLERY))]
                    start = time.perf_counter()
                    hits = await reader.search(vector, CANDIDATES)
                    latencies.append((time.perf_counter() - start) * 1000)
                    found += write_tenant == "default" and image_id in {hit.image_id for hit in hits}
                figures[(level, case)] = statistics.median(latencies)
                rows.append(
                    [
                        level,
                        case,
                        median(latencies),
                        f"{np.percentile(latencies, 90):.1f}",
                        f"{found}/{runs}" if write_tenant == "default" else "",
                    ]
                )
        finally:
            await reader.close()
    deletes = [
        (await timed_ms(lambda image_id=image_id: writer.delete([image_id])))[0]
        for image_id in written[:runs]
    ]
    fence = DatabaseFence(database)
    reads = [(await timed_ms(lambda: fence.latest("default")))[0] for _ in range(runs)]
    await writer.close()
    writes = [
        ["upsert of one vector", median(upserts)],
        ["delete of one vector", median(deletes)],
        ["fence read alone (before each Session search)", f"{statistics.median(reads):.2f}"],
    ]
    return rows, writes, figures


def run(settings: BenchSettings) -> Section:
    runs = settings.bench_runs
    with (
        tempfile.TemporaryDirectory(prefix="visage-consistency-") as tmp,
        server_uri(settings, Path(tmp)) as uri,
    ):

        async def main() -> tuple[str, list[list[str]], list[list[str]], dict]:
            async with shared_database(Path(tmp)) as (kind, database):
                return (kind, *await measure(uri, database, runs))

        kind, rows, writes, figures = asyncio.run(main())
    section = Section("consistency", "Read-your-writes on the Milvus server (issue 18)", method_of(__doc__))
    section.table(
        ["level", "reader's search", "p50 ms", "p90 ms", "found the write"],
        rows,
        title=f"Reader's search, {GALLERY:,} vectors, {runs} runs each (shared database: {kind})",
    )
    section.table(["writer's call", "p50 ms"], writes, title="Writer's calls")
    strong, session = figures[("Strong", "idle")], figures[("Session", "idle")]
    section.highlight(
        f"idle search p50 {session:.1f} ms with Session (the default) against {strong:.1f} ms with Strong "
        f"({ratio(strong, session)}× slower); right after another replica's write both wait for it "
        f"({figures[('Session', 'after a write')]:.1f} / {figures[('Strong', 'after a write')]:.1f} ms) "
        "and find it, where Bounded and Eventually miss it"
    )
    return section
