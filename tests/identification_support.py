"""Helpers for the identification tests: the domain over given stores with the real face engine, photos,
a clock tests can move, stores that fail on demand, and a look into all three stores at once."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from libs.faces import FaceEngine
from libs.identification import (
    EngineDescriptorSource,
    Identification,
    IdentificationConfig,
    IdentificationContext,
)
from libs.identification.reconciler import PHOTO_PREFIXES
from libs.identification.writes import image_id_of_key
from libs.stores.ports import Database, ObjectStore, VectorHit, VectorIndex, VectorRecord
from libs.tenants import DEFAULT_TENANT

MODEL = "sface_int8bq"

KATY = ("deepface/tests/unit/dataset/img42.jpg", "deepface/tests/unit/dataset/img27.jpg")
KATY_MORE = "deepface/tests/unit/dataset/img28.jpg"
OBAMA = ("face_recognition/tests/test_images/obama.jpg", "face_recognition/tests/test_images/obama2.jpg")
OTHER = "deepface/tests/unit/dataset/img18.jpg"
NO_FACE = "compreface/embedding-calculator/sample_images/017_0.jpg"
TWO_FACES = "face_recognition/examples/two_people.jpg"


class Clock:
    """Seconds since the epoch, moved forward by tests (expiry, grace periods)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def no_network(url: str) -> Any:
    raise AssertionError(f"unit tests do not download ({url})")


@dataclass
class PhotoServer:
    """A stand-in for `fetch_image` in unit tests: answers registered URLs with photo bytes."""

    photos: dict[str, bytes] = field(default_factory=dict)

    @dataclass(frozen=True)
    class Fetched:
        data: bytes
        content_type: str
        final_url: str

    async def __call__(self, url: str) -> PhotoServer.Fetched:
        return PhotoServer.Fetched(self.photos[url], "image/jpeg", url)


def build(
    database: Database,
    objects: ObjectStore,
    vectors: VectorIndex,
    engine: FaceEngine,
    clock: Clock | None = None,
    fetch: Any = no_network,
    **config: Any,
) -> Identification:
    context = IdentificationContext(
        database=database,
        objects=objects,
        vectors=vectors,
        descriptors=EngineDescriptorSource(engine, MODEL),
        fetch=fetch,
        config=IdentificationConfig(**config),
        clock=clock or Clock(),
    )
    return Identification(context)


def photo(faces_dir: Path, relative: str) -> bytes:
    return (faces_dir / relative).read_bytes()


@dataclass(frozen=True)
class StoreContents:
    """What the three stores hold, read directly (not through the domain)."""

    persons: int
    groups: int
    memberships: int
    images: int
    objects: tuple[str, ...]
    vectors: tuple[str, ...]


async def photo_keys(objects: ObjectStore) -> set[str]:
    """Every identification photo key, in both layouts (`persons/...`, and `tenants/<t>/persons/...`)."""
    return {
        key
        for prefix in PHOTO_PREFIXES
        async for key in objects.keys(prefix)
        if image_id_of_key(key) is not None
    }


async def contents(identification: Identification) -> StoreContents:
    ctx = identification.context
    counts = {}
    for table in ("persons", "groups", "person_groups", "images"):
        row = await ctx.database.fetchrow(f"SELECT COUNT(*) AS n FROM {table}")
        counts[table] = int(row["n"]) if row else 0
    keys = tuple(sorted(await photo_keys(ctx.objects)))
    vectors = tuple(sorted([image_id async for image_id in ctx.vectors.image_ids()]))
    return StoreContents(
        counts["persons"], counts["groups"], counts["person_groups"], counts["images"], keys, vectors
    )


class StoreOutage(Exception):
    """What a failing wrapper raises (stands for a connection refused)."""


class FailingObjectStore:
    """An ObjectStore that raises `StoreOutage` from the methods named in `failing`."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.failing: set[str] = set()

    def _check(self, method: str) -> None:
        if method in self.failing:
            raise StoreOutage(f"object store {method}: connection refused")

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self._check("put")
        await self.inner.put(key, data, content_type)

    async def get(self, key: str) -> tuple[bytes, str]:
        self._check("get")
        return await self.inner.get(key)

    async def delete(self, key: str) -> None:
        self._check("delete")
        await self.inner.delete(key)

    async def exists(self, key: str) -> bool:
        return await self.inner.exists(key)

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        self._check("keys")
        async for key in self.inner.keys(prefix):
            yield key

    def link(self, key: str) -> str:
        return self.inner.link(key)

    async def close(self) -> None:
        await self.inner.close()


class FailingVectorIndex:
    """A VectorIndex that raises `StoreOutage` from the methods named in `failing`; `upsert` in
    `failing_after` writes first and then raises (the connection dies before the answer arrives)."""

    def __init__(self, inner: VectorIndex) -> None:
        self.inner = inner
        self.failing: set[str] = set()
        self.failing_after: set[str] = set()

    def _check(self, method: str) -> None:
        if method in self.failing:
            raise StoreOutage(f"vector index {method}: connection refused")

    async def upsert(self, records: Sequence[VectorRecord]) -> None:
        self._check("upsert")
        await self.inner.upsert(records)
        if "upsert" in self.failing_after:
            raise StoreOutage("vector index upsert: connection reset after the write")

    async def delete(self, image_ids: Sequence[str]) -> None:
        self._check("delete")
        await self.inner.delete(image_ids)

    async def delete_person(self, person_id: str) -> None:
        self._check("delete_person")
        await self.inner.delete_person(person_id)

    async def set_groups(self, person_id: str, groups: Sequence[str]) -> None:
        self._check("set_groups")
        await self.inner.set_groups(person_id, groups)

    @property
    def max_limit(self) -> int:
        return self.inner.max_limit

    async def search(
        self,
        vector: np.ndarray,
        limit: int,
        groups: Sequence[str] | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> list[VectorHit]:
        self._check("search")
        return await self.inner.search(vector, limit, groups, tenant)

    async def image_ids(self) -> AsyncIterator[str]:
        async for image_id in self.inner.image_ids():
            yield image_id

    async def count(self, tenant: str | None = None) -> int:
        return await self.inner.count(tenant)

    async def compact(self) -> bool:
        self._check("compact")
        return await self.inner.compact()

    async def close(self) -> None:
        await self.inner.close()


@contextlib.contextmanager
def failing(store: FailingObjectStore | FailingVectorIndex, *methods: str) -> Any:
    store.failing.update(methods)
    try:
        yield
    finally:
        store.failing.difference_update(methods)
