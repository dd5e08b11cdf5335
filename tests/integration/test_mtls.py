"""mTLS is the only way in: real server on loopback, real certificates from `certs.generate`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from grpc_health.v1 import health_pb2, health_pb2_grpc

from certs.generate import generate
from certs.pki import CLIENT_ONLY, Issued, cert_pem, client_sans, key_pem, make_leaf
from libs.errors import UnavailableError
from libs.rpc import RpcServer, ServerSettings, TLSFiles, create_server, secure_channel, wait_healthy
from libs.rpc.renewing import CHECK_SECONDS

pytestmark = pytest.mark.integration

SERVICE = "visage.detection.v1.DetectionService"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
async def server(detection_tls: TLSFiles) -> AsyncIterator[RpcServer]:
    rpc = await create_server(ServerSettings(), detection_tls, [], [SERVICE])
    async with rpc:
        yield rpc


async def check(channel: grpc.aio.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return response.status


async def refused(channel: grpc.aio.Channel) -> grpc.aio.AioRpcError:
    async with channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await check(channel)
    return caught.value


async def test_client_with_gateway_certificate_sees_serving_only_after_mark_serving(
    server: RpcServer, gateway_tls: TLSFiles
) -> None:
    async with secure_channel(f"127.0.0.1:{server.port}", gateway_tls) as channel:
        assert await check(channel) == NOT_SERVING
        assert await check(channel, SERVICE) == NOT_SERVING
        await server.mark_serving()
        assert await check(channel) == SERVING
        assert await check(channel, SERVICE) == SERVING
        await wait_healthy(channel, SERVICE, timeout=2)


async def test_wait_healthy_gives_up_with_the_reason_while_not_serving(
    server: RpcServer, gateway_tls: TLSFiles
) -> None:
    async with secure_channel(f"127.0.0.1:{server.port}", gateway_tls) as channel:
        with pytest.raises(UnavailableError, match="NOT_SERVING"):
            await wait_healthy(channel, timeout=0.3)


async def test_plaintext_client_is_refused(server: RpcServer) -> None:
    error = await refused(grpc.aio.insecure_channel(f"127.0.0.1:{server.port}"))
    assert error.code() == grpc.StatusCode.UNAVAILABLE


async def test_tls_client_without_client_certificate_is_refused(server: RpcServer, dev_certs: Path) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=(dev_certs / "ca.pem").read_bytes())
    error = await refused(grpc.aio.secure_channel(f"127.0.0.1:{server.port}", credentials))
    assert error.code() == grpc.StatusCode.UNAVAILABLE


async def test_client_certificate_from_another_ca_is_refused(
    server: RpcServer, dev_certs: Path, tmp_path: Path
) -> None:
    generate(tmp_path, services=())
    # Trusts the real CA, so only the client certificate can be the reason for the refusal.
    stranger = TLSFiles(ca=dev_certs / "ca.pem", cert=tmp_path / "gateway.pem", key=tmp_path / "gateway.key")
    error = await refused(secure_channel(f"127.0.0.1:{server.port}", stranger))
    assert error.code() == grpc.StatusCode.UNAVAILABLE


def _gateway_leaf(dev_certs: Path, tmp_path: Path, issued_at: datetime, name: str) -> TLSFiles:
    """The gateway's client certificate issued at `issued_at` for a year by the development CA, as files."""
    ca = Issued(
        x509.load_pem_x509_certificate((dev_certs / "ca.pem").read_bytes()),
        serialization.load_pem_private_key((dev_certs / "ca.key").read_bytes(), password=None),  # type: ignore[arg-type]
    )
    issued = make_leaf(ca, "gateway", client_sans("gateway"), CLIENT_ONLY, issued_at)
    (tmp_path / f"{name}.pem").write_bytes(cert_pem(issued.cert))
    (tmp_path / f"{name}.key").write_bytes(key_pem(issued.key))
    return TLSFiles(ca=dev_certs / "ca.pem", cert=tmp_path / f"{name}.pem", key=tmp_path / f"{name}.key")


async def test_an_expired_client_certificate_of_the_right_ca_is_refused(
    server: RpcServer, dev_certs: Path, tmp_path: Path
) -> None:
    def client_files(issued_at: datetime, name: str) -> TLSFiles:
        return _gateway_leaf(dev_certs, tmp_path, issued_at, name)

    # The same leaf issued now is let in, so expiry alone is what refuses the other one: issued two years
    # ago for one year, signed by the trusted CA, with the right names.
    fresh = secure_channel(f"127.0.0.1:{server.port}", client_files(datetime.now(UTC), "fresh"))
    async with fresh:
        await check(fresh)
    expired = client_files(datetime.now(UTC) - timedelta(days=730), "expired")
    error = await refused(secure_channel(f"127.0.0.1:{server.port}", expired))
    assert error.code() == grpc.StatusCode.UNAVAILABLE


async def test_client_does_not_trust_a_server_from_another_ca(
    server: RpcServer, gateway_tls: TLSFiles, tmp_path: Path
) -> None:
    generate(tmp_path, services=())
    wrong_trust = gateway_tls.model_copy(update={"ca": tmp_path / "ca.pem"})
    error = await refused(secure_channel(f"127.0.0.1:{server.port}", wrong_trust))
    assert error.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("name", ["localhost", "detection.visage.svc", "detection.visage.svc.cluster.local"])
async def test_server_certificate_verifies_for_its_names(
    server: RpcServer, gateway_tls: TLSFiles, name: str
) -> None:
    async with secure_channel(f"127.0.0.1:{server.port}", gateway_tls, server_name_override=name) as channel:
        assert await check(channel) == NOT_SERVING


async def test_server_certificate_does_not_verify_for_another_service_name(
    server: RpcServer, gateway_tls: TLSFiles
) -> None:
    target = f"127.0.0.1:{server.port}"
    error = await refused(secure_channel(target, gateway_tls, server_name_override="matching.visage.svc"))
    assert error.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_certificate_renewed_on_disk_is_served_without_a_restart(tmp_path: Path) -> None:
    """The server's certificate is made again with one more name while it runs: new connections get it (a
    client checking that name gets in), without restarting the server."""
    generate(tmp_path, services=("detection",))
    client_files = TLSFiles.in_directory(tmp_path, "gateway")
    rpc = await create_server(ServerSettings(), TLSFiles.in_directory(tmp_path, "detection"), [], [SERVICE])
    async with rpc:
        target, renewed_name = f"127.0.0.1:{rpc.port}", "renewed.visage.test"
        error = await refused(secure_channel(target, client_files, server_name_override=renewed_name))
        assert error.code() == grpc.StatusCode.UNAVAILABLE  # not a name of the first certificate

        generate(tmp_path, services=("detection",), extra_sans=(renewed_name,))  # same CA, new leaf
        renewed = secure_channel(target, client_files, server_name_override=renewed_name)
        async with renewed:
            assert await check(renewed) in (SERVING, NOT_SERVING)  # the handshake passed: the new leaf


async def test_a_client_certificate_renewed_on_disk_is_presented_without_a_restart(
    server: RpcServer, dev_certs: Path, tmp_path: Path
) -> None:
    """A client whose certificate expired is refused; once cert-manager (here: the test) writes the renewed
    one over the same files, the same channel, with the same stubs, gets in."""
    files = _gateway_leaf(dev_certs, tmp_path, datetime.now(UTC) - timedelta(days=730), "client")
    async with secure_channel(f"127.0.0.1:{server.port}", files) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await check(channel)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        _gateway_leaf(dev_certs, tmp_path, datetime.now(UTC), "client")  # renewed over the same paths
        await asyncio.sleep(CHECK_SECONDS)  # the files are looked at again at most once a second
        assert await check(channel) == NOT_SERVING  # the handshake passed with the renewed certificate


async def test_missing_key_file_is_named_in_the_error(detection_tls: TLSFiles, tmp_path: Path) -> None:
    missing = detection_tls.model_copy(update={"key": tmp_path / "nowhere.key"})
    with pytest.raises(FileNotFoundError, match=r"nowhere\.key.*make certs"):
        await create_server(ServerSettings(), missing, [], [SERVICE])
