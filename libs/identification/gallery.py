"""The size of the gallery a search compares with, for its default threshold (`identification.threshold`).

Gallery sizes are counted in SQL and kept for `gallery_size_cache_seconds`: the threshold moves with the
logarithm of the size, so a count a few seconds old changes it by nothing that matters, and a search does not
pay for a COUNT over a large gallery every time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from cachetools import TTLCache

from libs.identification.repository import images as images_sql
from libs.stores.ports import Database

_CACHED_SCOPES = 4096


class GallerySizes:
    def __init__(self, cache_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        Scope = tuple[str, tuple[str, ...]]  # (tenant, sorted group ids)
        self._sizes: TTLCache[Scope, int] = TTLCache(_CACHED_SCOPES, cache_seconds, clock)

    async def size(self, database: Database, tenant: str, group_ids: Sequence[str], now_ms: int) -> int:
        scope = (tenant, tuple(sorted(set(group_ids))))
        size = self._sizes.get(scope)
        if size is None:
            size = self._sizes[scope] = await images_sql.count_searchable(database, tenant, scope[1], now_ms)
        return size
