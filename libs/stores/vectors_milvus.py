"""`VectorIndex` on Milvus through pymilvus: one adapter for a Milvus server and for Milvus Lite.

Only the URI differs (`http://host:19530` or a local `.../milvus.db`, which pymilvus serves with the
in-process Milvus Lite), and how a group filter is written: each flavour's collection holds the groups a
second time in the form it filters fastest (`milvus_collection.GROUP_KEYS`, `GROUP_HASHES`). The collection
is described in `milvus_collection`.

Read-your-writes (`vector_fence`): on a server, after each write the index asks Milvus for a timestamp
(AllocTimestamp: later than the write's) and advances the fence with it; searches and queries pass the
fence's latest value for their tenant as the guarantee timestamp (consistency level Customized), so they
see every write that returned before them, from any replica sharing the fence. Measured on Milvus 2.3.5
standalone (bench/consistency.py): an idle search costs what an Eventually one does plus a SQL read (7 ms
at 20,000 vectors); only a search right after a write of its tenant waits, for one time tick (200-400 ms),
which Strong waits on every search; Bounded and Eventually missed every write made just before them.
Milvus 2.3 answers deletes with timestamp 0, which pymilvus's Session level cannot wait for;
the allocated timestamp covers them. Milvus Lite runs in this process alone and keeps the Session level.

pymilvus's async client cannot create an index on Milvus Lite (it calls AllocTimestamp, which Lite lacks), so
the sync client runs on this index's own thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc
import numpy as np
from pymilvus import MilvusClient
from pymilvus.exceptions import MilvusException, ParamError

from libs.errors import UnavailableError
from libs.stores.milvus_collection import (
    DIMENSION,
    GROUP_HASHES,
    GROUP_KEYS,
    GROUP_KEYS_LENGTH,
    MAX_GROUPS,
    MAX_TOPK,
    TENANT,
    ensure_collection,
    load_arguments,
)
from libs.stores.milvus_location import MilvusLocation
from libs.stores.ports import VectorHit, VectorRecord
from libs.stores.vector_fence import ANY_TENANT, ProcessFence, WriteFence
from libs.tenants import DEFAULT_TENANT, valid_tenant

T = TypeVar("T")

_BATCH = 1000


def _vector(values: np.ndarray) -> list[float]:
    vector = np.asarray(values, dtype=np.float32).reshape(-1)
    if vector.shape != (DIMENSION,):
        raise ValueError(f"a descriptor has {DIMENSION} values, not {vector.shape[0]}")
    return vector.tolist()


# Group ids that need no escaping in a LIKE pattern or between "|" separators (uuids, the tests' "g1").
_PLAIN_ID = re.compile(r"[A-Za-z0-9-]+")


def _row(
    image_id: str, person_id: str, tenant: str, groups: Sequence[str], vector: Any, group_field: str
) -> dict[str, Any]:
    if len(groups) > MAX_GROUPS:
        raise ValueError(f"a vector can carry at most {MAX_GROUPS} groups, not {len(groups)}")
    row = {
        "image_id": image_id,
        "person_id": person_id,
        TENANT: valid_tenant(tenant),
        "groups": list(groups),
        "vector": _vector(vector),
    }
    if group_field == GROUP_HASHES:
        row[GROUP_HASHES] = [_group_hash(group) for group in groups]
    elif group_field == GROUP_KEYS:
        # Other ids are found through the array alone (`_group_condition`): "x|y" here would match "x".
        keys = "|" + "".join(f"{group}|" for group in groups if _PLAIN_ID.fullmatch(group))
        if len(keys) > GROUP_KEYS_LENGTH:
            raise ValueError(f"the group ids of a vector take at most {GROUP_KEYS_LENGTH} characters on Lite")
        row[GROUP_KEYS] = keys
    return row


def _quoted(values: Sequence[str]) -> str:
    return json.dumps(list(values))  # a Milvus string list literal: ["a", "b"] with escapes


def _group_hash(group: str) -> int:
    return int.from_bytes(hashlib.blake2b(group.encode(), digest_size=8).digest(), "big", signed=True)


def _group_condition(groups: Sequence[str], group_field: str) -> str:
    """The filter for vectors in any of `groups`, on the collection's group filter field."""
    if group_field == GROUP_HASHES:
        return f"array_contains_any({GROUP_HASHES}, {[_group_hash(group) for group in groups]})"
    if group_field == GROUP_KEYS and all(_PLAIN_ID.fullmatch(group) for group in groups):
        return " or ".join(f'{GROUP_KEYS} like "%|{group}|%"' for group in groups)
    return f"array_contains_any(groups, {_quoted(groups)})"


def _tenant_condition(tenant: str) -> str:
    return f"{TENANT} == {json.dumps(valid_tenant(tenant))}"


class MilvusVectorIndex:
    def __init__(
        self,
        client: MilvusClient,
        location: MilvusLocation,
        collection: str,
        executor: ThreadPoolExecutor,
        search_ef: int,
        consistency: str,
        timeout: float,
        fence: WriteFence | None,
        replicas: int | None,
    ) -> None:
        self._group_field = "groups"  # set by `open` from the collection's schema
        self._deleted_since_compaction = False
        self._client = client
        self._location = location
        self._collection = collection
        self._executor = executor
        self._search_ef = search_ef
        self._consistency = consistency
        self._timeout = timeout
        self._fence = fence  # None: a level other than Session, or Milvus Lite
        self._replicas = replicas

    @property
    def max_limit(self) -> int:
        return MAX_TOPK

    @classmethod
    async def open(
        cls,
        url: str,
        collection: str,
        *,
        hnsw_m: int,
        hnsw_ef_construction: int,
        search_ef: int,
        consistency: str,
        timeout: float,
        fence: WriteFence | None = None,
        replicas: int | None = None,
        partition_key: bool = False,
        threads: int = 8,
    ) -> MilvusVectorIndex:
        """`fence`: where writes' timestamps are shared (default: this process only), for the Session level.
        Other levels (Strong, which waits for every write anyway; Bounded, Eventually) go to Milvus as they
        are, and so does every level on Milvus Lite, which no other process can write."""
        location = MilvusLocation.parse(url)
        if location.lite_path is not None or consistency != "Session":
            fence = None
        elif fence is None:
            fence = ProcessFence()
        executor = ThreadPoolExecutor(threads, thread_name_prefix="visage-milvus")
        loop = asyncio.get_running_loop()
        try:
            client = await loop.run_in_executor(executor, lambda: location.connect(timeout))
        except Exception as error:
            executor.shutdown(wait=False)
            location.release()
            hint = " (one process at a time may open a Milvus Lite file)" if location.lite_path else ""
            raise UnavailableError(f"cannot connect to Milvus at {location}{hint}: {error}") from error
        index = cls(client, location, collection, executor, search_ef, consistency, timeout, fence, replicas)
        try:
            index._group_field = await index._run(
                lambda: ensure_collection(
                    client,
                    collection,
                    consistency,
                    hnsw_m,
                    hnsw_ef_construction,
                    timeout,
                    lite=location.lite_path is not None,
                    replicas=replicas,
                    partition_key=partition_key,
                ),
                bounded=False,
            )
            if fence is not None and not await index._run(index._allocate_timestamp):
                raise UnavailableError(
                    f"Milvus at {location} allocates no timestamps (AllocTimestamp; Milvus 2.3.5 has it): "
                    "upgrade it or set vectors_consistency to Strong"
                )
        except BaseException:
            await index.close()
            raise
        return index

    async def upsert(self, records: Sequence[VectorRecord]) -> None:
        rows = [
            _row(
                record.image_id,
                record.person_id,
                record.tenant,
                record.groups,
                record.vector,
                self._group_field,
            )
            for record in records
        ]
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            await self._run(
                lambda batch=batch: self._client.upsert(self._collection, batch, timeout=self._timeout)
            )
        await self._written({row[TENANT] for row in rows})

    async def delete(self, image_ids: Sequence[str]) -> None:
        ids = list(image_ids)
        self._deleted_since_compaction |= bool(ids)
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            await self._run(
                lambda batch=batch: self._client.delete(self._collection, ids=batch, timeout=self._timeout)
            )
        if ids:
            await self._written([ANY_TENANT], deleted=True)

    async def delete_person(self, person_id: str) -> None:
        condition = f"person_id == {json.dumps(person_id)}"
        self._deleted_since_compaction = True
        await self._run(
            lambda: self._client.delete(self._collection, filter=condition, timeout=self._timeout)
        )
        await self._written([ANY_TENANT], deleted=True)

    async def _written(self, tenants: Iterable[str], deleted: bool = False) -> None:
        """Writes to these tenants returned: make the reads that follow see them (see the module doc)."""
        if self._fence is not None:
            await self._fence.advance(tenants, await self._run(self._allocate_timestamp))
        elif deleted and self._location.lite_path is not None:
            await self._run(self._wait_until_visible)

    def _allocate_timestamp(self) -> int:
        # Not on MilvusClient itself; its handler has it (0 from a server without the call).
        return int(self._client._get_connection().alloc_timestamp(timeout=self._timeout))

    async def _consistency_for(self, tenant: str | None) -> dict[str, Any]:
        """The consistency arguments of a read of `tenant` (None: every tenant)."""
        if self._fence is None:
            return {"consistency_level": self._consistency}
        timestamp = await self._fence.latest(tenant)
        # 1 when nothing was written: the "wait for nothing" of pymilvus's Eventually level.
        return {"consistency_level": "Customized", "guarantee_timestamp": max(1, timestamp)}

    def _wait_until_visible(self) -> None:
        """Return once every search sees the deletes made so far (Lite: a Strong query)."""
        self._client.query(
            self._collection,
            filter='image_id == ""',
            output_fields=["image_id"],
            limit=1,
            consistency_level="Strong",
            timeout=self._timeout,
        )

    async def set_groups(self, person_id: str, groups: Sequence[str]) -> None:
        consistency = await self._consistency_for(None)  # the person's tenant is not known here

        def regroup() -> set[str]:
            rows = self._client.query(
                self._collection,
                filter=f"person_id == {json.dumps(person_id)}",
                output_fields=["image_id", "person_id", TENANT, "vector"],
                limit=MAX_TOPK,
                timeout=self._timeout,
                **consistency,
            )
            if rows:
                updated = [
                    _row(
                        row["image_id"],
                        row["person_id"],
                        row[TENANT],
                        groups,
                        row["vector"],
                        self._group_field,
                    )
                    for row in rows
                ]
                self._client.upsert(self._collection, updated, timeout=self._timeout)
            return {row[TENANT] for row in rows}

        tenants = await self._run(regroup)
        if tenants:
            await self._written(tenants)

    async def search(
        self,
        vector: np.ndarray,
        limit: int,
        groups: Sequence[str] | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> list[VectorHit]:
        if limit <= 0 or (groups is not None and not groups):
            return []  # no group to search in: nothing can match
        limit = min(limit, MAX_TOPK)
        # The tenant condition comes first and always: on the partition key it also picks the partition.
        condition = _tenant_condition(tenant)
        if groups:
            condition += f" and ({_group_condition(groups, self._group_field)})"
        query = _vector(vector)
        consistency = await self._consistency_for(tenant)

        def run() -> list[Any]:
            return self._client.search(
                self._collection,
                data=[query],
                limit=limit,
                filter=condition,
                output_fields=["image_id", "person_id"],
                search_params={"metric_type": "COSINE", "params": {"ef": max(self._search_ef, limit)}},
                timeout=self._timeout,
                **consistency,
            )[0]

        hits = await self._run(run)
        return [
            VectorHit(
                image_id=str(hit.get("image_id") or hit.get("id")),
                person_id=str(hit.get("person_id")),
                cosine=float(np.clip(hit["distance"], -1.0, 1.0)),
            )
            for hit in hits
        ]

    async def image_ids(self) -> AsyncIterator[str]:
        # One query answers a collection of fewer than MAX_TOPK vectors. Larger ones need the query iterator
        # (paged by primary key), whose set-up costs ~1.4 s on Milvus 2.3: it waits for a timestamp 1 s ahead.
        consistency = await self._consistency_for(None)
        rows = await self._run(
            lambda: self._client.query(
                self._collection,
                filter="",
                output_fields=["image_id"],
                limit=MAX_TOPK,
                timeout=self._timeout,
                **consistency,
            )
        )
        if len(rows) < MAX_TOPK:
            for row in rows:
                yield str(row["image_id"])
            return
        iterator = await self._run(
            lambda: self._client.query_iterator(
                self._collection,
                batch_size=_BATCH,
                filter="",
                output_fields=["image_id"],
                timeout=self._timeout,
            )
        )
        try:
            while batch := await self._run(iterator.next):
                for row in batch:
                    yield str(row["image_id"])
        finally:
            await self._run(iterator.close)

    async def compact(self) -> bool:
        # Milvus keeps deleted rows in sealed segments, and in their HNSW graphs, until a compaction rewrites
        # the segment; its own trigger waits for 20 % of a segment to be deleted. Measured at 10^5 vectors
        # with 138 deleted faces among them: recall@1 of their neighbours 0.97 at ef 256, 1.00 after a
        # compaction (11 s, then 47 s of index builds on this machine). The server compacts in the background.
        if not self._deleted_since_compaction:
            return False
        self._deleted_since_compaction = False
        try:
            await self._run(lambda: self._client.compact(self._collection, timeout=self._timeout))
        except BaseException:
            self._deleted_since_compaction = True  # try again next time
            raise
        return True

    async def count(self, tenant: str | None = None) -> int:
        condition = "" if tenant is None else _tenant_condition(tenant)
        consistency = await self._consistency_for(tenant)
        rows = await self._run(
            lambda: self._client.query(
                self._collection,
                filter=condition,
                output_fields=["count(*)"],
                timeout=self._timeout,
                **consistency,
            )
        )
        return int(rows[0]["count(*)"])

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):  # closing a dead connection: nothing left to release
            await asyncio.wait_for(loop.run_in_executor(self._executor, self._client.close), self._timeout)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._location.release()

    async def _in_pool(self, call: Callable[[], T], bounded: bool) -> T:
        """`call` on the pool. A server's call is given up after `timeout` counted from now, the wait for
        a free thread included: with the server dead every thread sits out its own timeout, and calls queued
        behind them would otherwise fail only after many timeouts (25 s under 50 clients, bench/soak.py).
        The abandoned call ends in its thread at its own timeout. Milvus Lite runs in process: unbounded."""
        future = asyncio.get_running_loop().run_in_executor(self._executor, call)
        if not bounded or self._location.lite_path is not None:
            return await future
        try:
            return await asyncio.wait_for(future, self._timeout)
        except TimeoutError:
            raise UnavailableError(
                f"Milvus at {self._location}: no answer within {self._timeout:g} s"
            ) from None

    async def _run(self, call: Callable[[], T], bounded: bool = True) -> T:
        """Run a client call on the pool; a collection the server forgot to load (after a restart) is loaded
        again once. Every failure but a malformed request means Milvus cannot serve this call. `bounded`:
        see `_in_pool` (opening, which creates and loads a collection in several calls, is not)."""
        try:
            try:
                return await self._in_pool(call, bounded)
            except MilvusException as error:
                if "not loaded" not in str(error):
                    raise
                await self._in_pool(
                    lambda: self._client.load_collection(
                        self._collection, timeout=self._timeout, **load_arguments(self._replicas)
                    ),
                    bounded,
                )
                return await self._in_pool(call, bounded)
        except ParamError:
            raise
        except (MilvusException, grpc.RpcError) as error:
            raise UnavailableError(f"Milvus at {self._location} failed: {error}") from error
        except RuntimeError as error:  # the pool was shut down: the index is closed
            raise UnavailableError(f"Milvus index {self._collection!r} is closed") from error
