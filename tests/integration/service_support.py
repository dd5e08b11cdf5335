"""Helpers for the service tests: an in-process server and its client, health and reflection queries, free
ports, a real `python -m` service process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from libs.rpc import RpcServer, TLSFiles, secure_channel, wait_healthy

REPO = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def serving_in_process(rpc: RpcServer, client_tls: TLSFiles) -> AsyncIterator[grpc.aio.Channel]:
    """Starts the bound server `rpc`, reports it SERVING, yields an mTLS channel to it; stops it after."""
    await rpc.start()
    await rpc.mark_serving()
    try:
        async with secure_channel(f"127.0.0.1:{rpc.port}", client_tls) as channel:
            yield channel
    finally:
        await rpc.stop(0)


@dataclass(frozen=True)
class ServedDescription:
    """What a generic client learns about a service: its health, and what reflection describes."""

    health: int  # HealthCheckResponse.ServingStatus
    services: set[str]
    file_names: list[str]  # proto files reflection sends for the service

    @property
    def serving(self) -> bool:
        return self.health == health_pb2.HealthCheckResponse.SERVING


async def served_description(channel: grpc.aio.Channel, service_name: str) -> ServedDescription:
    health = health_pb2_grpc.HealthStub(channel)
    response = await health.Check(health_pb2.HealthCheckRequest(service=service_name), timeout=5)
    return ServedDescription(
        response.status, await reflected_services(channel), await reflected_file_names(channel, service_name)
    )


async def reflected_services(channel: grpc.aio.Channel) -> set[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    responses = [r async for r in stub.ServerReflectionInfo(iter([request]), timeout=5)]
    return {s.name for r in responses for s in r.list_services_response.service}


async def reflected_file_names(channel: grpc.aio.Channel, symbol: str) -> list[str]:
    """Names of the proto files reflection sends for `symbol` (what a generic client needs to decode it)."""
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)
    responses = [r async for r in stub.ServerReflectionInfo(iter([request]), timeout=5)]
    blobs = [blob for r in responses for blob in r.file_descriptor_response.file_descriptor_proto]
    return [descriptor_pb2.FileDescriptorProto.FromString(blob).name for blob in blobs]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def service_process(module: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m <module>` with `env` added to this environment; killed if a test leaves it running."""
    process = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=REPO,
        env=os.environ | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop_with_sigterm(process: subprocess.Popen[bytes], timeout: float = 15.0) -> tuple[int, float, str]:
    """SIGTERM, then (exit code, seconds until exit, everything the process printed)."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, time.monotonic() - started, output.decode(errors="replace")


def service_env(prefix: str, certs: Path, name: str, port: int, models_dir: Path) -> dict[str, str]:
    """What services/launcher.py gives a service, plus where the models are (tests never download)."""
    return {
        f"{prefix}SERVER__HOST": "127.0.0.1",
        f"{prefix}SERVER__PORT": str(port),
        f"{prefix}METRICS__PORT": "0",  # a free one: several test sessions may share the machine
        f"{prefix}TLS__CA": str(certs / "ca.pem"),
        f"{prefix}TLS__CERT": str(certs / f"{name}.pem"),
        f"{prefix}TLS__KEY": str(certs / f"{name}.key"),
        "VISAGE_MODELS_DIR": str(models_dir),
        "VISAGE_MODELS_ALLOW_DOWNLOAD": "false",
    }


@dataclass
class ServiceRun:
    """A `python -m` service while it runs, then how it ended after SIGTERM (filled in on exit)."""

    channel: grpc.aio.Channel
    code: int | None = None
    seconds: float = 0.0  # from SIGTERM to exit
    output: str = ""  # everything it printed


@asynccontextmanager
async def serving_subprocess(
    name: str,
    service_name: str,
    certs: Path,
    client_tls: TLSFiles,
    models_dir: Path,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[ServiceRun]:
    """`python -m services.<name>` configured as the launcher does, with a channel to it once it is SERVING;
    on exit the process gets SIGTERM."""
    port = free_port()
    env = service_env(f"VISAGE_{name.upper()}_", certs, name, port, models_dir) | (extra_env or {})
    with service_process(f"services.{name}", env) as process:
        async with secure_channel(f"127.0.0.1:{port}", client_tls) as channel:
            await wait_healthy(channel, service_name, timeout=60)
            run = ServiceRun(channel)
            yield run
        run.code, run.seconds, run.output = stop_with_sigterm(process)
