"""The gRPC server every Visage service runs: mTLS only, health, reflection, error mapping, overload refusal.

A service's main does:

    rpc = await create_server(settings.server, settings.tls, [partial(add_XServicer_to_server, servicer)],
                              [X_SERVICE_NAME])
    await rpc.start()        # health says NOT_SERVING while the models load
    ...load models...
    await rpc.mark_serving()
    await serve(rpc)         # until SIGTERM/SIGINT, then NOT_SERVING and a graceful stop
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from types import TracebackType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection
from pydantic import BaseModel, ConfigDict, Field

from libs.rpc._guard import GuardInterceptor
from libs.rpc.limits import HEALTH_SERVICE, REFLECTION_SERVICE, ConcurrencyLimiter
from libs.rpc.observe import RpcMetrics, observing_guard
from libs.rpc.status import error_interceptor
from libs.rpc.tls import TLSFiles, server_credentials

_log = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class ServerSettings(BaseModel):
    """Where and how a service listens."""

    model_config = ConfigDict(frozen=True)

    # Loopback unless configured otherwise: nothing is reachable from the network by accident.
    host: str = "127.0.0.1"
    # 0 lets the OS pick a free port (tests); the bound port is `RpcServer.port`.
    port: int = Field(default=0, ge=0, le=65535)
    # Calls beyond this many in flight are refused at once with RESOURCE_EXHAUSTED (health is exempt).
    # Twice what the gateway lets one API key have in flight (`key_max_concurrent`, 32): at 16, one key
    # within its limits met "server busy" (50 clients: 1 211 refused beside 3 502 served, bench/soak.py); at
    # 64 none, the wait in the queue staying far inside the deadline (p99 8 s of 30 s on 2 busy cores).
    max_concurrent_rpcs: int = Field(default=64, ge=1)
    # How long in-flight calls may take to finish after SIGTERM.
    grace_seconds: float = Field(default=10.0, ge=0)
    max_message_bytes: int = Field(default=64 * 1024 * 1024, gt=0)


class RpcServer:
    """A bound (not yet started) aio server with its health servicer."""

    def __init__(
        self,
        server: grpc.aio.Server,
        port: int,
        health: health_aio.HealthServicer,
        service_names: Sequence[str],
        grace_seconds: float,
    ) -> None:
        self.server = server
        self.port = port
        self.health = health
        self.service_names = tuple(service_names)
        self.grace_seconds = grace_seconds

    async def start(self) -> None:
        await self.server.start()
        _log.info("gRPC (mTLS) listening on port %d for %s", self.port, ", ".join(self.service_names))

    async def mark_serving(self) -> None:
        """Report SERVING for the server ("") and each service; call once the models are loaded."""
        for name in ("", *self.service_names):
            await self.health.set(name, SERVING)

    async def mark_not_serving(self) -> None:
        for name in ("", *self.service_names):
            await self.health.set(name, NOT_SERVING)

    async def stop(self, grace: float | None = None) -> None:
        """NOT_SERVING for good, refuse new calls, let in-flight ones finish within `grace` seconds."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.grace_seconds if grace is None else grace)

    async def __aenter__(self) -> RpcServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


async def create_server(
    settings: ServerSettings,
    tls: TLSFiles,
    register: Sequence[Callable[[grpc.aio.Server], None]],
    service_names: Sequence[str],
    metrics: RpcMetrics | None = None,
) -> RpcServer:
    """Build and bind the server; `register` adds the servicers (e.g. `partial(add_XServicer_to_server, x)`).

    `service_names` are the full names (`visage.detection.v1.DetectionService`) reported by health and
    reflection. Health starts NOT_SERVING. Every call is traced and, with `metrics`, counted
    (`libs.rpc.observe`). Must run inside the event loop that will serve.
    """
    limiter = ConcurrencyLimiter(settings.max_concurrent_rpcs)
    server = grpc.aio.server(
        # Outermost first: the limiter's OverloadedError passes through the error mapping, and the
        # observer sees the status the mapping chose.
        interceptors=[
            GuardInterceptor(observing_guard(metrics)),
            error_interceptor(),
            GuardInterceptor(limiter.slot),
        ],
        options=_server_options(settings.max_message_bytes),
    )
    for add_to_server in register:
        add_to_server(server)

    health = health_aio.HealthServicer()
    for name in ("", *service_names):
        await health.set(name, NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    reflection.enable_server_reflection([*service_names, HEALTH_SERVICE, REFLECTION_SERVICE], server)

    # Only a secure port, ever: there is no plaintext fallback to misconfigure.
    host = f"[{settings.host}]" if ":" in settings.host else settings.host  # IPv6 literal
    address = f"{host}:{settings.port}"
    try:
        port = server.add_secure_port(address, server_credentials(tls))
    except RuntimeError as error:
        raise OSError(f"cannot listen on {address}: {error}") from error
    if port == 0:
        raise OSError(f"cannot listen on {address}")
    return RpcServer(server, port, health, service_names, settings.grace_seconds)


def _server_options(max_message_bytes: int) -> list[tuple[str, int]]:
    return [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        # grpc enables SO_REUSEPORT by default, so a second instance would bind a taken port silently.
        ("grpc.so_reuseport", 0),
        # Find dead clients; accept client keepalive pings every 10 s or more, even between calls
        # (the default policy answers those with GOAWAY "too_many_pings").
        ("grpc.keepalive_time_ms", 60_000),
        ("grpc.keepalive_timeout_ms", 20_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ]


async def serve(rpc: RpcServer, grace: float | None = None) -> None:
    """Run a started server until SIGTERM or SIGINT, then stop it gracefully (see `RpcServer.stop`)."""
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop_requested.set)
    try:
        # Not also server.wait_for_termination(): cancelling it cancels grpc's own shutdown future.
        await stop_requested.wait()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
    _log.info("stopping: NOT_SERVING, letting in-flight calls finish")
    await rpc.stop(grace)
