"""Storage ports: what identification and liveness need from a database, object storage and a vector index.

Adapters implement them for a server deployment (PostgreSQL, S3, Milvus server) and for a laptop (SQLite, a
local folder, Milvus Lite); one composition root per process picks them from settings, and one contract test
suite runs against both. Domain code imports only this module, never an adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from libs.tenants import DEFAULT_TENANT

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Migration:
    """One schema step; `version`s are applied in order, each once, inside a transaction."""

    version: int
    name: str
    sql: str  # portable SQL (see Database); statements separated by ';' on their own line ends


class Database(Protocol):
    """A relational database, spoken to in one portable SQL dialect.

    Placeholders are `$1, $2, ...` (asyncpg style; the SQLite adapter rewrites them). Portable types only:
    TEXT (ids are uuid strings, JSON is TEXT), BIGINT (timestamps are epoch milliseconds UTC),
    DOUBLE PRECISION, BOOLEAN stored as INTEGER 0/1. Foreign keys with ON DELETE CASCADE are enforced on both.
    """

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        """A connection inside one transaction: committed on normal exit, rolled back on an exception."""
        ...

    async def migrate(self, migrations: Sequence[Migration]) -> list[int]:
        """Apply pending migrations (tracked in table `schema_migrations`); returns their versions."""
        ...

    async def close(self) -> None: ...


class ObjectStore(Protocol):
    """Binary objects (photos, liveness media) under string keys like `persons/<personId>/<imageId>`."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> tuple[bytes, str]:
        """The object's bytes and content type; `libs.errors.NotFoundError` when absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; deleting an absent key is not an error (deletes are retried)."""
        ...

    async def exists(self, key: str) -> bool: ...

    def keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every key under `prefix` (the reconciler walks them to find orphans)."""
        ...

    def link(self, key: str) -> str:
        """A stable reference to the object for API responses (`s3://bucket/key` or `file:///...`)."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class VectorRecord:
    """One face descriptor as the index stores it."""

    image_id: str
    person_id: str
    vector: np.ndarray  # float32 (128,), L2-normalised
    groups: tuple[str, ...]  # the person's group ids, for filtered search
    tenant: str = DEFAULT_TENANT  # the person's tenant; every search is confined to one


@dataclass(frozen=True)
class VectorHit:
    image_id: str
    person_id: str
    cosine: float  # -1..1, higher = more similar (distance = sqrt(2 - 2·cosine))


class VectorIndex(Protocol):
    """Approximate nearest-neighbour search over face descriptors of one tenant, filterable by group.

    Image and person ids are unique across tenants (uuid4 made by the service), so the id-keyed writes need
    no tenant; `search` always filters by one, so no caller can search across tenants."""

    @property
    def max_limit(self) -> int:
        """The most hits one `search` returns (a larger `limit` is capped to it): Milvus' topk limit."""
        ...

    async def upsert(self, records: Sequence[VectorRecord]) -> None: ...

    async def delete(self, image_ids: Sequence[str]) -> None:
        """Remove these images' vectors; absent ids are ignored."""
        ...

    async def delete_person(self, person_id: str) -> None: ...

    async def set_groups(self, person_id: str, groups: Sequence[str]) -> None:
        """Replace the group list on every vector of the person (membership changed); the tenant stays."""
        ...

    async def search(
        self,
        vector: np.ndarray,
        limit: int,
        groups: Sequence[str] | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> list[VectorHit]:
        """The `limit` nearest vectors of `tenant`, best first; with `groups`, only vectors in at least one.

        Results must reflect every write that returned before the search started (read-your-writes).
        """
        ...

    def image_ids(self) -> AsyncIterator[str]:
        """Every stored image id (for the reconciler)."""
        ...

    async def compact(self) -> bool:
        """Start purging the vectors deleted through this index since the last call from the search structure;
        False when there were none. Deleted vectors left in an HNSW graph cost its neighbours recall."""
        ...

    async def count(self, tenant: str | None = None) -> int:
        """Stored vectors, of one tenant or (None) of all."""
        ...

    async def close(self) -> None: ...
