"""Per-key limits: requests per second (a moving one-second window), requests in flight at once, images
per request, faces per image. Each is the key's own or, when it sets none, the gateway's default.

Counted in this process: with several gateway replicas each enforces the limit on its own share of the
traffic. The `limits` library also counts in Redis or memcached, for a shared count, when that is needed.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from libs.auth.keys import ApiKey, KeyLimitValues
from libs.errors import ImagesCountLimitError, RateLimitedError


class KeyLimits:
    def __init__(self, defaults: KeyLimitValues) -> None:
        if defaults.requests_per_second is None or defaults.max_concurrent is None:
            raise ValueError("the default request rate and concurrency are required")
        self.defaults = defaults
        self._window = MovingWindowRateLimiter(MemoryStorage())
        self._in_flight: Counter[str] = Counter()

    @asynccontextmanager
    async def admitted(self, key: ApiKey) -> AsyncIterator[None]:
        """Hold one of the key's concurrent slots for the block; `RateLimitedError` (429) over a limit."""
        rate = RateLimitItemPerSecond(self._limit(key, "requests_per_second"), 1)
        if not await self._window.hit(rate, key.id):
            reset_at = (await self._window.get_window_stats(rate, key.id)).reset_time
            raise RateLimitedError(
                f"API key {key.id} is over its {rate.amount} requests per second",
                max(1, math.ceil(reset_at - time.time())),
            )
        concurrent = self._limit(key, "max_concurrent")
        if self._in_flight[key.id] >= concurrent:
            raise RateLimitedError(
                f"API key {key.id} is at its limit of concurrent requests ({concurrent})", 1
            )
        self._in_flight[key.id] += 1
        try:
            yield
        finally:
            self._in_flight[key.id] -= 1
            if not self._in_flight[key.id]:
                del self._in_flight[key.id]

    def check_images(self, key: ApiKey, count: int) -> None:
        """`ImagesCountLimitError` (400, Regula's FACER_IMAGES_COUNT_LIMIT_EXCEEDED) past the key's limit."""
        limit = self._limit(key, "max_images_per_request")
        if limit is not None and count > limit:
            raise ImagesCountLimitError(f"{count} images in one request; API key {key.id} allows {limit}")

    def faces_per_image(self, key: ApiKey) -> int | None:
        """The most faces reported per image for the key; None = as many as the detector finds."""
        return self._limit(key, "max_faces_per_image")

    def _limit(self, key: ApiKey, name: str) -> Any:
        """The key's own value of limit `name`, or the default when it sets none."""
        own = getattr(key, name)
        return getattr(self.defaults, name) if own is None else own
