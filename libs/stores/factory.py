"""The composition root of the stores: settings in, adapters out.

Embedded defaults (nothing to install or run) live under `data_dir`: `<name>.db` (SQLite), `objects/` (a
folder) and `milvus.db` (Milvus Lite). Servers are chosen by URL:

    database_url  sqlite:///relative.db | sqlite:////absolute.db | postgresql://user@host:5432/db
    objects_url   file:///absolute/dir | file:relative/dir | s3://bucket?endpoint=http://host:9000&region=us-east-1
    vectors_url   milvus-lite:///relative/milvus.db | milvus-lite:////absolute/milvus.db | http://host:19530

A process that needs no vectors (liveness) opens only what it uses: `open_database`, `open_objects`. Only one
process may open a Milvus Lite file at a time (Lite locks it).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from libs.errors import InvalidRequestError
from libs.stores.observed import StoreObserver, observed
from libs.stores.ports import Database, Migration, ObjectStore, VectorIndex
from libs.stores.urls import folder_of, path_of

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://")
_OBJECTS_SCHEMES = ("file:", "s3://")
_VECTORS_SCHEMES = ("milvus-lite:///", "http://", "https://")


def _check_scheme(url: str | None, schemes: tuple[str, ...], what: str) -> str | None:
    if url is not None and not url.startswith(schemes):
        raise ValueError(f"{what} {url!r} must start with one of {', '.join(schemes)}")
    return url


class DatabaseSettings(BaseModel):
    """Where a process keeps its SQL data; no URL means SQLite under `data_dir`."""

    model_config = ConfigDict(frozen=True)

    data_dir: Path = Path(".visage")
    database_url: str | None = None
    database_password: SecretStr | None = None  # or in the URL; kept out of logs either way
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # One backend call; a dead server fails within about this long.
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str | None) -> str | None:
        return _check_scheme(url, _DATABASE_SCHEMES, "database_url")

    def database_url_for(self, database_name: str) -> str:
        if not _NAME.fullmatch(database_name):
            raise ValueError(f"database name {database_name!r}: letters, digits and '_'")
        return self.database_url or f"sqlite:///{self.data_dir / database_name}.db"


class StoreSettings(DatabaseSettings):
    """Where identification and liveness keep their data; None URLs mean the embedded default."""

    objects_url: str | None = None
    # No defaults: an S3 objects_url needs both.
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    vectors_url: str | None = None
    collection: str = "faces"
    # HNSW graph degree and build breadth; search breadth (raised to the limit when a search asks for more).
    # M 32 / efConstruction 256 / ef 256: the recall target (0.99 of real probes find their exact nearest
    # neighbour) at 10^6 vectors, where 16 / 200 / 128 missed it; see libs/stores/README.md.
    hnsw_m: int = Field(default=32, ge=4, le=64)
    hnsw_ef_construction: int = Field(default=256, ge=8, le=2048)
    search_ef: int = Field(default=256, ge=8, le=16384)
    # Session: a search waits only for the writes that returned before it, from any replica sharing the
    # database (their Milvus timestamps are kept there: libs/stores/vector_fence.py); Strong: every search
    # waits for the newest Milvus timestamp (~200 ms on Milvus 2.3, with or without writes).
    vectors_consistency: Literal["Session", "Strong"] = "Session"
    # In-memory copies of the collection Milvus loads (one per query node at most; searches spread over
    # them). None: the server's own default (`queryCoord.clusterLevelLoadReplicaNumber`, 1 unless set).
    vectors_replicas: int | None = Field(default=None, ge=1, le=32)
    # The tenant as the collection's partition key (applies when the collection is created; Milvus 2.5 or
    # later, refused before): a search of one tenant reads only its partition. See libs/stores/README.md.
    vectors_partition_key: bool = False

    @field_validator("objects_url")
    @classmethod
    def _objects_url(cls, url: str | None) -> str | None:
        return _check_scheme(url, _OBJECTS_SCHEMES, "objects_url")

    @field_validator("vectors_url")
    @classmethod
    def _vectors_url(cls, url: str | None) -> str | None:
        return _check_scheme(url, _VECTORS_SCHEMES, "vectors_url")

    @field_validator("collection")
    @classmethod
    def _collection(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"collection {name!r}: letters, digits and '_', not starting with a digit")
        return name

    def objects_location(self) -> str:
        return self.objects_url or f"file:{self.data_dir / 'objects'}"

    def vectors_location(self) -> str:
        return self.vectors_url or f"milvus-lite:///{self.data_dir / 'milvus.db'}"


# Adapters are imported when chosen: a laptop never loads asyncpg or minio, liveness never loads pymilvus.


# With an observer, every store comes back wrapped: its calls traced and reported (libs/stores/observed.py).


async def open_database(
    settings: DatabaseSettings, database_name: str, observer: StoreObserver | None = None
) -> Database:
    url = settings.database_url_for(database_name)
    if url.startswith("sqlite:"):
        from libs.stores.sqlite import SqliteDatabase

        sqlite: Database = await SqliteDatabase.open(path_of(url, "sqlite"))
        return sqlite if observer is None else observed("database", sqlite, observer, "sqlite")
    from libs.stores.postgres import PostgresDatabase

    password = settings.database_password.get_secret_value() if settings.database_password else None
    postgres: Database = await PostgresDatabase.open(
        url, password, settings.timeout_seconds, settings.database_pool_size
    )
    return postgres if observer is None else observed("database", postgres, observer, "postgresql")


async def migrate_database(
    settings: DatabaseSettings, database_name: str, migrations: Sequence[Migration]
) -> list[int]:
    """Create or upgrade one database's tables and close it (a deployment's migration Job): the versions
    applied now."""
    database = await open_database(settings, database_name)
    try:
        return await database.migrate(migrations)
    finally:
        await database.close()


async def open_objects(settings: StoreSettings, observer: StoreObserver | None = None) -> ObjectStore:
    url = settings.objects_location()
    if url.startswith("file:"):
        from libs.stores.objects_folder import FolderObjectStore

        folder: ObjectStore = await FolderObjectStore.open(folder_of(url))
        return folder if observer is None else observed("objects", folder, observer, "folder")
    from libs.stores.objects_s3 import S3ObjectStore

    if settings.s3_access_key is None or settings.s3_secret_key is None:
        raise InvalidRequestError("an s3:// objects_url needs s3_access_key and s3_secret_key")
    s3: ObjectStore = await S3ObjectStore.open(
        url,
        settings.s3_access_key.get_secret_value(),
        settings.s3_secret_key.get_secret_value(),
        settings.timeout_seconds,
    )
    return s3 if observer is None else observed("objects", s3, observer, "s3")


async def open_vectors(
    settings: StoreSettings, database: Database | None = None, observer: StoreObserver | None = None
) -> VectorIndex:
    """With `database` (the one the replicas share), searches see every replica's writes; without, this
    process's."""
    from libs.stores.vector_fence import DatabaseFence
    from libs.stores.vectors_milvus import MilvusVectorIndex

    location = settings.vectors_location()
    vectors: VectorIndex = await MilvusVectorIndex.open(
        location,
        settings.collection,
        hnsw_m=settings.hnsw_m,
        hnsw_ef_construction=settings.hnsw_ef_construction,
        search_ef=settings.search_ef,
        consistency=settings.vectors_consistency,
        timeout=settings.timeout_seconds,
        fence=DatabaseFence(database) if database is not None else None,
        replicas=settings.vectors_replicas,
        partition_key=settings.vectors_partition_key,
    )
    system = "milvus-lite" if location.startswith("milvus-lite:") else "milvus"
    return vectors if observer is None else observed("vectors", vectors, observer, system)


@dataclass(frozen=True)
class Stores:
    database: Database
    objects: ObjectStore
    vectors: VectorIndex

    async def aclose(self) -> None:
        for store in (self.vectors, self.objects, self.database):
            with contextlib.suppress(Exception):
                await store.close()


async def open_stores(
    settings: StoreSettings, database_name: str, observer: StoreObserver | None = None
) -> Stores:
    """All three stores, or none: a store that fails to open closes the ones opened before it."""
    database = await open_database(settings, database_name, observer)
    try:
        objects = await open_objects(settings, observer)
        try:
            return Stores(database, objects, await open_vectors(settings, database, observer))
        except BaseException:
            await objects.close()
            raise
    except BaseException:
        await database.close()
        raise
