"""Refuse calls beyond a fixed number in flight, at once, instead of queueing them behind slow inference.

A guard rather than grpc's own `maximum_concurrent_rpcs`, because that one counts health checks too: a
saturated service would then fail its liveness probe and be restarted exactly when it is busiest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import grpc
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection

from libs.errors import OverloadedError

HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
REFLECTION_SERVICE = reflection.SERVICE_NAME
UNLIMITED_SERVICES = (HEALTH_SERVICE, REFLECTION_SERVICE)


class ConcurrencyLimiter:
    """Counts calls in flight; past `limit` a call fails with `OverloadedError` (RESOURCE_EXHAUSTED)."""

    def __init__(self, limit: int, unlimited_services: Sequence[str] = UNLIMITED_SERVICES) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self.in_flight = 0
        self._unlimited = tuple(f"/{name}/" for name in unlimited_services)

    @asynccontextmanager
    async def slot(self, method: str, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        if method.startswith(self._unlimited):
            yield
            return
        # No lock: all handlers of an aio server run on its one event loop, and nothing awaits in between.
        if self.in_flight >= self.limit:
            raise OverloadedError(f"server busy: {self.limit} calls in flight, retry later")
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
