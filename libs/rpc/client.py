"""Channels from one Visage process to another: mTLS, keepalive, message limits, retry on UNAVAILABLE."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from libs.errors import UnavailableError
from libs.rpc.renewing import RenewingChannel
from libs.rpc.tls import TLSFiles, channel_credentials

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def retry_service_config(retryable: Sequence[str] | None = None) -> str:
    """Service config that retries UNAVAILABLE (server restarting, connection lost) up to 3 attempts.

    `retryable` names the idempotent calls, as "pkg.Service" or "pkg.Service/Method"; None means every
    method, which suits services whose calls are pure functions of the request (detection, matching).
    """
    if retryable is None:
        names: list[dict[str, str]] = [{}]
    else:
        names = [
            {"service": service, "method": method} if method else {"service": service}
            for service, _, method in (name.partition("/") for name in retryable)
        ]
    policy = {
        "maxAttempts": 3,
        "initialBackoff": "0.1s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    return json.dumps({"methodConfig": [{"name": names, "retryPolicy": policy}]} if names else {})


def secure_channel(
    target: str,
    tls: TLSFiles,
    server_name_override: str | None = None,
    *,
    retryable: Sequence[str] | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> RenewingChannel:
    """An mTLS channel to `target` ("host:port"); the server's certificate must name the host. It follows
    its TLS files: a renewed certificate is used from the next call (`renewing.py`).

    `server_name_override` checks the certificate against another name, e.g. "detection.visage.svc" when
    dialling an IP. `retryable`: see `retry_service_config`. Close with `await channel.close()`.
    """
    options: list[tuple[str, str | int]] = [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        # Notice a dead peer within ~40 s instead of waiting for TCP; the server permits this rate.
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        # A restarted peer is dialled again within 5 s, not after grpc's default backoff of up to 120 s.
        ("grpc.initial_reconnect_backoff_ms", 250),
        ("grpc.max_reconnect_backoff_ms", 5_000),
        ("grpc.enable_retries", 1),
        ("grpc.service_config", retry_service_config(retryable)),
    ]
    if server_name_override:
        options.append(("grpc.ssl_target_name_override", server_name_override))
    return RenewingChannel(
        lambda: grpc.aio.secure_channel(target, channel_credentials(tls), options=options), tls
    )


async def wait_healthy(channel: grpc.aio.Channel, service: str = "", timeout: float = 30.0) -> None:
    """Return once `service` ("" = the whole server) reports SERVING; UnavailableError after `timeout` s."""
    stub = health_pb2_grpc.HealthStub(channel)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = "no answer"
    while (remaining := deadline - loop.time()) > 0:
        try:
            response = await stub.Check(
                # Not wait_for_ready: failing fast keeps the reason (refused, handshake) for the message.
                health_pb2.HealthCheckRequest(service=service),
                timeout=min(remaining, 5.0),
            )
        except grpc.aio.AioRpcError as error:
            last = f"{error.code().name}: {error.details()}"
        else:
            if response.status == health_pb2.HealthCheckResponse.SERVING:
                return
            last = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        await asyncio.sleep(min(0.1, max(0.0, deadline - loop.time())))
    raise UnavailableError(f"{service or 'server'} not SERVING after {timeout:g} s (last: {last})")
