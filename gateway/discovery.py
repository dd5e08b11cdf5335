"""Find each backend's REST routes at run time through gRPC server reflection.

For every backend: list its services, fetch their file descriptors (with all dependencies) into a
descriptor pool of its own, and turn each annotated RPC into a route (`gateway.rules`). Adding an annotated
RPC to a service therefore needs no gateway change, only a gateway restart. A backend that is not up yet is
tried again in the background; until then its routes are unknown and answered with 503.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from gateway.rules import RestRoute, service_routes
from gateway.settings import GatewaySettings
from libs.rpc import secure_channel
from libs.rpc.limits import UNLIMITED_SERVICES

IDEMPOTENT_HTTP_METHODS = ("GET", "PUT", "DELETE")
MAX_RETRY_SECONDS = 5.0
WARN_AFTER_ATTEMPTS = 8  # about 20 s with the default retry pause
# Health and reflection (grpc_reflection also has a v1 name) carry no routes.
_INFRASTRUCTURE = {*UNLIMITED_SERVICES, "grpc.reflection.v1.ServerReflection"}

_log = logging.getLogger(__name__)


class DiscoveryError(Exception):
    """The backend answered reflection, but not with what the gateway needs."""


@dataclass(frozen=True)
class Endpoint:
    """A route and the callable that sends its request to the backend."""

    route: RestRoute
    call: grpc.aio.UnaryUnaryMultiCallable


async def reflect(
    channel: grpc.aio.Channel, timeout: float
) -> tuple[list[str], descriptor_pool.DescriptorPool]:
    """The backend's own services (not health or reflection) and a pool holding their descriptors."""
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    [listing] = await _ask(stub, [reflection_pb2.ServerReflectionRequest(list_services="")], timeout)
    names = [s.name for s in listing.list_services_response.service if s.name not in _INFRASTRUCTURE]
    answers = await _ask(
        stub, [reflection_pb2.ServerReflectionRequest(file_containing_symbol=name) for name in names], timeout
    )
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for answer in answers:
        for serialized in answer.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto.FromString(serialized)
            files[proto.name] = proto
    pool = descriptor_pool.DescriptorPool()
    for proto in _dependencies_first(files):
        pool.Add(proto)
    return names, pool


async def _ask(
    stub: reflection_pb2_grpc.ServerReflectionStub,
    requests: Sequence[reflection_pb2.ServerReflectionRequest],
    timeout: float,
) -> list[reflection_pb2.ServerReflectionResponse]:
    answers = [answer async for answer in stub.ServerReflectionInfo(iter(requests), timeout=timeout)]
    for answer in answers:
        if answer.HasField("error_response"):
            error = answer.error_response
            raise DiscoveryError(f"reflection error {error.error_code}: {error.error_message}")
    if len(answers) != len(requests):
        raise DiscoveryError(f"reflection answered {len(answers)} of {len(requests)} requests")
    return answers


def _dependencies_first(
    files: dict[str, descriptor_pb2.FileDescriptorProto],
) -> Iterable[descriptor_pb2.FileDescriptorProto]:
    done: set[str] = set()

    def visit(name: str) -> Iterable[descriptor_pb2.FileDescriptorProto]:
        if name in done:
            return
        done.add(name)
        if name not in files:
            raise DiscoveryError(f"reflection did not send {name}")
        for dependency in files[name].dependency:
            yield from visit(dependency)
        yield files[name]

    for name in sorted(files):
        yield from visit(name)


class Backend:
    """One backend: its address, its call channel once discovered, and its endpoints."""

    def __init__(self, name: str, address: str, settings: GatewaySettings) -> None:
        self.name = name
        self.address = address
        self.endpoints: tuple[Endpoint, ...] = ()
        self.services: tuple[str, ...] = ()  # full names of the gRPC services it serves, once discovered
        self.channel: grpc.aio.Channel | None = None
        self.discovered = False
        self.last_error = "discovery not attempted yet"
        self._settings = settings

    async def discover(self) -> None:
        """Reflect once; on success open the call channel and build the endpoints."""
        settings = self._settings
        # No retry policy for reflection itself: the caller's loop retries the whole discovery.
        async with self._channel(retryable=[]) as reflection_channel:
            names, pool = await reflect(reflection_channel, settings.call_timeout_seconds)
        routes = [
            route for name in names for route in service_routes(pool.FindServiceByName(name), self.name)
        ]
        if self.name in settings.idempotent_backends:
            retryable: list[str] | None = None
        else:
            retryable = [r.grpc_path.lstrip("/") for r in routes if r.method in IDEMPOTENT_HTTP_METHODS]
        channel = self._channel(retryable)
        self.endpoints = tuple(
            Endpoint(
                route,
                channel.unary_unary(
                    route.grpc_path,
                    request_serializer=route.request_class.SerializeToString,
                    response_deserializer=route.response_class.FromString,
                ),
            )
            for route in routes
        )
        self.channel = channel
        self.services = tuple(names)
        self.discovered = True
        _log.info(
            "backend %s at %s: %d routes from %s",
            self.name,
            self.address,
            len(routes),
            ", ".join(names) or "-",
        )

    def _channel(self, retryable: list[str] | None) -> grpc.aio.Channel:
        settings = self._settings
        return secure_channel(self.address, settings.tls, settings.server_name_override, retryable=retryable)

    async def discover_until_done(self) -> None:
        delay, attempt = self._settings.discovery_retry_seconds, 0
        while not self.discovered:
            attempt += 1
            try:
                await self.discover()
            except (grpc.aio.AioRpcError, DiscoveryError, TypeError, KeyError) as error:
                self.last_error = _reason(error)
                # Backends usually start alongside the gateway: only a long wait deserves a warning.
                level = {1: logging.INFO, WARN_AFTER_ATTEMPTS: logging.WARNING}.get(attempt, logging.DEBUG)
                _log.log(level, "backend %s at %s not discovered yet (attempt %d): %s",
                         self.name, self.address, attempt, self.last_error)  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def health(self) -> str:
        """The backend's gRPC health: SERVING, or why not."""
        if self.channel is None:
            return f"not discovered: {self.last_error}"
        stub = health_pb2_grpc.HealthStub(self.channel)
        try:
            answer = await stub.Check(
                health_pb2.HealthCheckRequest(service=""), timeout=self._settings.health_timeout_seconds
            )
        except grpc.aio.AioRpcError as error:
            return _reason(error)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)

    async def close(self) -> None:
        if self.channel is not None:
            await self.channel.close()


def _reason(error: Exception) -> str:
    if isinstance(error, grpc.aio.AioRpcError):
        return f"{error.code().name}: {error.details()}"
    return f"{type(error).__name__}: {error}"
