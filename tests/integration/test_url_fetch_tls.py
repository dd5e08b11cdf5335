"""HTTPS through a pinned connection: SNI, Host and certificate checks still name the URL's host.

The name `images.visage.test` resolves (fake DNS) to 127.0.0.1 and the connection goes to that address,
yet the TLS handshake must ask for, and verify, `images.visage.test`.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from certs.pki import SERVER_AND_CLIENT, Issued, cert_pem, key_pem, make_ca, make_leaf
from libs.errors import ImageFetchError
from libs.net import FetchPolicy, fetch_image
from tests.fake_network import ConnectRecorder, FakeDns, install_connect_recorder, install_fake_dns
from tests.integration.url_fetch_server import ImageServer
from tests.paths import FACES_DIR

pytestmark = pytest.mark.integration

PHOTO = FACES_DIR / "compreface/embedding-calculator/sample_images/007_B.jpg"
HOST = "images.visage.test"


@pytest.fixture(scope="module")
def ca() -> Issued:
    return make_ca(datetime.now(UTC))


@pytest.fixture(scope="module")
def ca_bundle(ca: Issued, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_bytes(cert_pem(ca.cert))
    return path


def _tls_server(ca: Issued, name: str, directory: Path, sni_seen: list[str | None]) -> ImageServer:
    leaf = make_leaf(ca, name, [name], SERVER_AND_CLIENT, datetime.now(UTC))
    (directory / "leaf.pem").write_bytes(cert_pem(leaf.cert) + cert_pem(ca.cert))
    (directory / "leaf.key").write_bytes(key_pem(leaf.key))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "leaf.pem", directory / "leaf.key")
    context.sni_callback = lambda _socket, server_name, _context: sni_seen.append(server_name)
    return ImageServer(PHOTO.read_bytes(), tls=context)


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    fake = install_fake_dns(monkeypatch)
    fake.answer(HOST, ["127.0.0.1"])
    return fake


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> ConnectRecorder:
    return install_connect_recorder(monkeypatch, allow_loopback=True)


@pytest.fixture
def sni_seen() -> list[str | None]:
    return []


@pytest.fixture
def server_for_host(ca: Issued, tmp_path: Path, sni_seen: list[str | None]) -> Iterator[ImageServer]:
    with _tls_server(ca, HOST, tmp_path, sni_seen) as server:
        yield server


async def test_https_is_verified_against_the_url_host_while_connected_to_the_pinned_address(
    server_for_host: ImageServer,
    ca_bundle: Path,
    dns: FakeDns,
    connects: ConnectRecorder,
    sni_seen: list[str | None],
) -> None:
    policy = FetchPolicy(allowed_networks=["127.0.0.1/32"], ca_bundle=ca_bundle, timeout_seconds=5)
    url = server_for_host.url("/photo.jpg", host=HOST)
    fetched = await fetch_image(url, policy)
    assert fetched.data == PHOTO.read_bytes()
    assert fetched.final_url == url
    assert connects.attempts == [("127.0.0.1", server_for_host.port)]
    assert sni_seen == [HOST]
    assert server_for_host.requests == [("/photo.jpg", f"{HOST}:{server_for_host.port}")]


async def test_a_certificate_for_another_name_is_refused(
    ca: Issued, ca_bundle: Path, tmp_path: Path, dns: FakeDns, sni_seen: list[str | None]
) -> None:
    policy = FetchPolicy(allowed_networks=["127.0.0.1/32"], ca_bundle=ca_bundle, timeout_seconds=5)
    with _tls_server(ca, "other.visage.test", tmp_path, sni_seen) as server:
        with pytest.raises(ImageFetchError) as caught:
            await fetch_image(server.url("/photo.jpg", host=HOST), policy)
        assert server.requests == []
    assert caught.value.message == "imageUrl TLS certificate could not be verified"


async def test_the_default_trust_store_does_not_trust_a_private_ca(
    server_for_host: ImageServer, dns: FakeDns
) -> None:
    policy = FetchPolicy(allowed_networks=["127.0.0.1/32"], timeout_seconds=5)
    with pytest.raises(ImageFetchError, match=r"^imageUrl TLS certificate could not be verified$"):
        await fetch_image(server_for_host.url("/photo.jpg", host=HOST), policy)
    assert server_for_host.requests == []
