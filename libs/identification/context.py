"""Everything the identification use cases work with: the three stores, the descriptor source, the fetcher,
the liveness portraits, the tunables and the clock. One per process, built by the service's composition root
(or a test)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from libs.call_context import within_deadline
from libs.config import ImageLimits
from libs.errors import UnavailableError, VisageError
from libs.identification.gallery import GallerySizes
from libs.identification.threshold import DEFAULT_TARGET_FPIR, search_distance
from libs.stores.ports import Database, ObjectStore, VectorIndex
from libs.tenants import DEFAULT_TENANT
from libs.usecases.ports import DescriptorSource, LivenessPortraitSource, PhotoFetcher

T = TypeVar("T")


@dataclass(frozen=True)
class IdentificationConfig:
    # Search `threshold` when the request has none: maximum distance (L2 between unit descriptors, 0..2).
    # None = from the size of the gallery searched, for at most `target_fpir` false hits among searches by
    # people who are not enrolled (`libs.identification.threshold`; 1.1136 = cosine 0.38, the 1:1
    # same-person threshold, up to 47 images, then stricter). Regula's own default is 1.0 on its own
    # descriptor scale, which is not comparable.
    default_threshold: float | None = None
    target_fpir: float = DEFAULT_TARGET_FPIR
    # How long a gallery's size is reused before SQL counts it again (the threshold follows its logarithm).
    gallery_size_cache_seconds: float = 30.0
    default_limit: int = 100  # Regula 8.3's default search `limit`
    # Vector candidates fetched per wanted person at first; doubled while filters leave too few.
    candidates_per_person: int = 4
    # Each store call of a write: past it the call counts as failed and the write is undone.
    store_timeout_seconds: float = 15.0
    # A `pending` image older than this is an interrupted write the reconciler removes.
    pending_grace_seconds: float = 300.0
    # Rows handled per reconciler step, so one pass never holds much in memory.
    reconcile_batch: int = 500
    # Decoding limits for photos resized before they are stored.
    image_limits: ImageLimits = field(default_factory=ImageLimits)


@dataclass
class IdentificationContext:
    database: Database
    objects: ObjectStore
    vectors: VectorIndex
    descriptors: DescriptorSource
    fetch: PhotoFetcher
    config: IdentificationConfig = field(default_factory=IdentificationConfig)
    clock: Callable[[], float] = time.time  # seconds; tests move it forward to expire persons
    # Resolves match_and_search's `livenessTransactionId` images; None = such images are refused (503).
    liveness: LivenessPortraitSource | None = None
    # Whose persons and groups the use cases see and write (`Identification.for_tenant`); the reconciler
    # works across every tenant and ignores it.
    tenant: str = DEFAULT_TENANT
    # Counted gallery sizes; made from `config` when None, then shared by every tenant's copy of the context
    # (`dataclasses.replace` keeps the object).
    gallery_sizes: GallerySizes | None = None

    def __post_init__(self) -> None:
        if self.gallery_sizes is None:
            self.gallery_sizes = GallerySizes(self.config.gallery_size_cache_seconds)

    async def search_threshold(self, group_ids: Sequence[str]) -> float:
        """The default threshold of a search of these groups (none: the whole tenant)."""
        if self.config.default_threshold is not None:
            return self.config.default_threshold
        assert self.gallery_sizes is not None
        size = await self.gallery_sizes.size(self.database, self.tenant, group_ids, self.now_ms())
        return search_distance(size, self.config.target_fpir)

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def store_call(self, what: str, call: Coroutine[Any, Any, T], finishing: bool = False) -> T:
        """One store operation of a write, bounded by the store timeout and by the caller's deadline
        (`libs.call_context`). A failure is `UnavailableError`; a passed deadline, `DeadlineExceededError`.

        `finishing` steps (undoing a failed add, finishing a delete or a committed group change) get the store
        timeout whatever the deadline: they keep the stores consistent for everyone, not one caller's answer.
        """
        limit = self.config.store_timeout_seconds
        try:
            if finishing:
                return await asyncio.wait_for(call, limit)
            return await within_deadline(call, what, limit)
        except VisageError:
            raise
        except TimeoutError:
            raise UnavailableError(f"{what}: no answer within {limit:g} s") from None
        except Exception as error:  # adapters raise their client's errors (connection refused, S3 errors...)
            raise UnavailableError(f"{what} failed: {type(error).__name__}: {error}") from error
