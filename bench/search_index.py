"""The vector index on its own, in this process: bulk loading, search latency and recall against exact search.

Works on any `libs.stores.ports.VectorIndex`; the Milvus specifics (flush, waiting for the index build) go
through a plain pymilvus client on the same URI.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bench.common import percentile
from bench.search_sql import SqlGallery
from bench.synthetic import DescriptorModel, ExactIndex, batches
from libs.stores.ports import VectorIndex, VectorRecord

if TYPE_CHECKING:
    from pymilvus import MilvusClient

LOAD_BATCH = 5000
INDEX_WAIT_SECONDS = 1800.0


@dataclass(frozen=True)
class Probe:
    vector: np.ndarray
    person_id: str  # the enrolled person it should find (or "" for a query with no true match)
    group: int  # the group of that person


@dataclass
class Corpus:
    """Everything stored in the index, mirrored in an exact index for the ground truth."""

    group_ids: list[str]
    exact: ExactIndex
    synthetic: int = 0


def synthetic_id(i: int) -> str:
    return f"synthetic-{i:08d}"


async def load_synthetic(
    index: VectorIndex,
    corpus: Corpus,
    model: DescriptorModel,
    count: int,
    rng: np.random.Generator,
    mirror: bool = True,
    sql: SqlGallery | None = None,
) -> float:
    """Add `count` synthetic descriptors, each its own person in one random group (with its SQL rows when
    `sql` is given); returns vectors/s."""
    start = time.perf_counter()
    for low, high in batches(count, LOAD_BATCH):
        vectors = model.sample(high - low, rng)
        groups = rng.integers(0, len(corpus.group_ids), high - low)
        ids = [synthetic_id(corpus.synthetic + i) for i in range(low, high)]
        await index.upsert(
            [
                VectorRecord(image_id=i, person_id=i, vector=v, groups=(corpus.group_ids[g],))
                for i, v, g in zip(ids, vectors, groups, strict=True)
            ]
        )
        if mirror:
            corpus.exact.add(ids, vectors, groups)
        if sql is not None:
            sql.add(ids, [corpus.group_ids[g] for g in groups])
    corpus.synthetic += count
    return count / (time.perf_counter() - start)


def wait_indexed(uri: str, collection: str, compact: bool = False) -> float:
    """Flush the collection, wait until its vector index covers every row (compactions included), with
    `compact` purge deleted rows as the identification service's compaction job does after deletes (Milvus
    2.3 compacts only indexed segments, so this comes after the build, and the new segments are indexed
    again), then load it again; returns the seconds waited.

    The reload is the step an operator takes after a bulk import: left alone, the query node swaps the
    indexed segments in one by one, over minutes (14 at 10^6 vectors here before every stored vector found
    itself), and searches meanwhile go through its interim index on the segments not swapped yet."""
    from pymilvus import MilvusClient

    start = time.perf_counter()
    deadline = time.monotonic() + INDEX_WAIT_SECONDS
    client = MilvusClient(uri=uri)
    try:
        client.flush(collection)
        _wait_for_index(client, collection, deadline)
        if compact:
            job = client.compact(collection)
            while time.monotonic() < deadline:
                if str(client.get_compaction_state(job)).endswith("Completed"):
                    break
                time.sleep(1.0)
            _wait_for_index(client, collection, deadline)
        client.release_collection(collection)
        client.load_collection(collection)
    finally:
        client.close()
    return time.perf_counter() - start


def _wait_for_index(client: MilvusClient, collection: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        state = client.describe_index(collection, "vector")
        if int(state.get("pending_index_rows", 0)) == 0 and (
            int(state.get("indexed_rows", 0)) >= int(state.get("total_rows", 0))
        ):
            return
        time.sleep(2.0)


async def wait_visible(
    index: VectorIndex, vectors: Sequence[np.ndarray], person_ids: Sequence[str], timeout: float = 900.0
) -> tuple[float, int]:
    """Wait until every given stored vector finds itself first, three checks in a row 5 s apart, or until
    `timeout`; returns (seconds waited, vectors still not found). The check behind `wait_indexed`: it says
    whether searches really see every segment (without the reload there, they missed 7 % of 40 000 vectors
    for ~15 s after a bulk load)."""
    start = time.monotonic()
    streak = missing = 0
    while streak < 3 and time.monotonic() - start < timeout:
        found = [await index.search(vector, 1) for vector in vectors]
        missing = sum(
            not (hits and hits[0].person_id == person) for hits, person in zip(found, person_ids, strict=True)
        )
        streak = streak + 1 if missing == 0 else 0
        if streak < 3:
            await asyncio.sleep(5.0)
    return time.monotonic() - start, missing


@dataclass(frozen=True)
class SearchFigures:
    p50_ms: float
    p99_ms: float
    exact_p50_ms: float  # brute force in numpy over the same vectors, the ground truth's cost
    recall_at_1: float  # top-1 person equals the exact top-1 person
    recall_queries: int
    timed_queries: int


async def measure_search(
    index: VectorIndex,
    corpus: Corpus,
    probes: Sequence[Probe],
    candidates: int,
    filtered: bool,
    budget_seconds: float,
    min_queries: int = 30,
) -> SearchFigures:
    """Recall@1 against exact search on a first pass through the probes (which also warms up), then latency
    over further passes. Each part stops when it has used half the time budget and seen `min_queries`
    queries, so a slow configuration stays bounded. The exact index holds person ids."""
    exact_times: list[float] = []
    hits = checked = 0
    deadline = time.monotonic() + budget_seconds / 2
    for probe in probes:
        if checked >= min_queries and time.monotonic() > deadline:
            break
        groups = [corpus.group_ids[probe.group]] if filtered else None
        found = await index.search(probe.vector, candidates, groups)
        start = time.perf_counter()
        truth = corpus.exact.search(probe.vector, 1, probe.group if filtered else None)
        exact_times.append((time.perf_counter() - start) * 1000)
        hits += bool(found and truth and found[0].person_id == truth[0][0])
        checked += 1
    times: list[float] = []
    deadline = time.monotonic() + budget_seconds / 2
    while len(times) < min_queries or time.monotonic() < deadline:
        for probe in probes:
            groups = [corpus.group_ids[probe.group]] if filtered else None
            start = time.perf_counter()
            await index.search(probe.vector, candidates, groups)
            times.append((time.perf_counter() - start) * 1000)
            if len(times) >= min_queries and time.monotonic() > deadline:
                break
    return SearchFigures(
        percentile(times, 50),
        percentile(times, 99),
        percentile(exact_times, 50),
        hits / checked,
        checked,
        len(times),
    )
