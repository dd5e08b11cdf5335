"""Milvus server memory per stored face and search throughput, the figures behind docs/capacity.md.

The Milvus 2.3.5 standalone server of the search benchmark (`bench/milvus_server.py`: 1 GB segments,
sealed at 60 %) holds random unit vectors with the identification service's schema and HNSW settings
(M 32, efConstruction 256) through `MilvusVectorIndex`, each vector its own person in one of 100 groups
and of the default tenant. Memory is the resident set of the server's process group (etcd included): with
the empty collection loaded, then once every vector is indexed and the collection reloaded; the difference
divided by the vectors is the cost of one stored face. Beside it, the query node's own account of the
sealed segments it holds (the `milvus_querynode_entity_size` metric: index and field data loaded), per
vector. Throughput: searches of random vectors (64
candidates, no filter, Session consistency with no writes) from 1, 4 and 16 concurrent clients for 10 s
each, on the 2 cores shared with the server. 10^5 vectors in the fast set, 10^6 in the full one.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from bench import BenchSettings, consistency
from bench.common import method_of
from bench.milvus_server import BULK_LOAD_SETTINGS, START_TIMEOUT
from bench.search_index import wait_indexed
from bench.section import Section
from libs.stores.ports import VectorRecord
from libs.stores.vectors_milvus import MilvusVectorIndex
from tests.milvus_server import MilvusStandaloneServer

COLLECTION = "bench_capacity"
BATCH = 5000
CLIENTS = (1, 4, 16)
SECONDS = 10.0


async def open_index(uri: str) -> MilvusVectorIndex:
    return await consistency.open_index(uri, collection=COLLECTION, timeout=30.0)


def sealed_bytes(server: MilvusStandaloneServer) -> float:
    """The query node's `milvus_querynode_entity_size` of its sealed segments, summed over collections."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=10) as response:
        text = response.read().decode()
    pattern = r'^milvus_querynode_entity_size\{[^}]*segment_state="Sealed"[^}]*\} (\S+)$'
    return sum(float(value) for value in re.findall(pattern, text, re.MULTILINE))


async def throughput(index: MilvusVectorIndex, clients: int, rng: np.random.Generator) -> tuple[float, float]:
    """(searches/s, p50 ms) with `clients` concurrent searchers for SECONDS."""
    queries = rng.standard_normal((256, 128)).astype(np.float32)
    latencies: list[float] = []
    deadline = time.perf_counter() + SECONDS

    async def client(offset: int) -> None:
        turn = offset
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            await index.search(queries[turn % len(queries)], 64)
            latencies.append((time.perf_counter() - start) * 1000)
            turn += clients

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return len(latencies) / (time.perf_counter() - start), statistics.median(latencies)


async def measure(server: MilvusStandaloneServer, count: int) -> tuple[dict[str, float], list[list[str]]]:
    rng = np.random.default_rng(11)
    index = await open_index(server.uri)
    empty_mib = server.rss_mib()
    start = time.perf_counter()
    for low in range(0, count, BATCH):
        vectors = rng.standard_normal((min(BATCH, count - low), 128)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = [f"v{low + i:09d}" for i in range(len(vectors))]
        await index.upsert(
            [
                VectorRecord(i, i, v, (f"group-{hash(i) % 100:03d}",))
                for i, v in zip(ids, vectors, strict=True)
            ]
        )
    load_seconds = time.perf_counter() - start
    index_seconds = await asyncio.to_thread(wait_indexed, server.uri, COLLECTION)
    await index.close()
    index = await open_index(server.uri)  # after the reload of wait_indexed
    await asyncio.sleep(5.0)
    loaded_mib = server.rss_mib()
    sealed = sealed_bytes(server)
    rows = []
    for clients in CLIENTS:
        rate, p50 = await throughput(index, clients, rng)
        rows.append([str(clients), f"{rate:.0f}", f"{p50:.1f}"])
    await index.close()
    figures = {
        "empty_mib": empty_mib,
        "loaded_mib": loaded_mib,
        "bytes_per_vector": (loaded_mib - empty_mib) * 2**20 / count,
        "sealed_per_vector": sealed / count,
        "load_rate": count / load_seconds,
        "index_seconds": index_seconds,
    }
    return figures, rows


def run(settings: BenchSettings) -> Section:
    count = 1_000_000 if settings.bench_full else 100_000
    with tempfile.TemporaryDirectory(prefix="visage-capacity-") as tmp:
        server = MilvusStandaloneServer(Path(tmp), BULK_LOAD_SETTINGS)
        server.start(timeout=START_TIMEOUT)
        try:
            figures, rows = asyncio.run(measure(server, count))
        finally:
            server.stop()
    section = Section("milvus_capacity", "Milvus memory and throughput per stored face", method_of(__doc__))
    section.table(
        [
            "vectors",
            "server RSS, empty collection MiB",
            "server RSS, loaded MiB",
            "RSS bytes per vector",
            "query node's sealed bytes per vector",
        ],
        [
            [
                f"{count:,}",
                f"{figures['empty_mib']:.0f}",
                f"{figures['loaded_mib']:.0f}",
                f"{figures['bytes_per_vector']:.0f}",
                f"{figures['sealed_per_vector']:.0f}",
            ]
        ],
        title="Resident memory",
    )
    section.table(["clients", "searches/s", "p50 ms"], rows, title=f"Search throughput at {count:,} vectors")
    section.note(
        f"Loaded at {figures['load_rate']:,.0f} vectors/s; flushed and indexed "
        f"{figures['index_seconds']:.0f} s after the last write."
    )
    best = max(float(row[1]) for row in rows)
    section.highlight(
        f"Milvus 2.3.5 standalone, {count:,} vectors: {figures['sealed_per_vector']:.0f} bytes per stored "
        f"face in the query node's segments ({figures['bytes_per_vector']:.0f} of server RSS; HNSW M 32), "
        f"{best:.0f} searches/s at best on 2 cores"
    )
    return section
