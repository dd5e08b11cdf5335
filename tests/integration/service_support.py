"""Helpers for the service tests: reflection queries, free ports, a real `python -m` service process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

REPO = Path(__file__).resolve().parents[2]


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
        f"{prefix}TLS__CA": str(certs / "ca.pem"),
        f"{prefix}TLS__CERT": str(certs / f"{name}.pem"),
        f"{prefix}TLS__KEY": str(certs / f"{name}.key"),
        "VISAGE_MODELS_DIR": str(models_dir),
        "VISAGE_MODELS_ALLOW_DOWNLOAD": "false",
    }
