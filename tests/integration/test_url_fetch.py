"""fetch_image against real HTTP(S) servers on loopback: downloads, limits, deadline, redirects, pinning, TLS.

Loopback is not public, so these tests allow it explicitly (`allowed_networks`), exactly as a deployment
would allow an internal image store. A connect recorder lets only loopback through and lists every
connection the fetcher opened, so "refused before connecting" is checked, not assumed.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from libs.errors import (
    ImageDownloadTooLargeError,
    ImageFetchError,
    ImageFetchTimeoutError,
    ImageUrlRefusedError,
)
from libs.net import FetchPolicy, fetch_image
from tests.fake_network import ConnectRecorder, FakeDns, install_connect_recorder, install_fake_dns
from tests.integration.url_fetch_server import ImageServer
from tests.paths import FACES_DIR

pytestmark = pytest.mark.integration

PHOTO = FACES_DIR / "compreface/embedding-calculator/sample_images/007_B.jpg"
LOOPBACK = FetchPolicy(allowed_networks=["127.0.0.1/32"], timeout_seconds=5)
ONLY_PUBLIC = "; only public addresses are allowed"


@pytest.fixture(scope="module")
def photo() -> bytes:
    return PHOTO.read_bytes()


@pytest.fixture
def server(photo: bytes) -> Iterator[ImageServer]:
    with ImageServer(photo) as running:
        yield running


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> ConnectRecorder:
    return install_connect_recorder(monkeypatch, allow_loopback=True)


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    return install_fake_dns(monkeypatch)


async def test_downloads_the_image_with_its_content_type(
    server: ImageServer, photo: bytes, connects: ConnectRecorder
) -> None:
    fetched = await fetch_image(server.url("/photo.jpg"), LOOPBACK)
    assert fetched.data == photo
    assert fetched.content_type == "image/jpeg"
    assert fetched.final_url == server.url("/photo.jpg")
    assert connects.attempts == [("127.0.0.1", server.port)]
    assert server.requests == [("/photo.jpg", f"127.0.0.1:{server.port}")]


async def test_a_missing_content_type_is_reported_as_octet_stream(server: ImageServer, photo: bytes) -> None:
    fetched = await fetch_image(server.url("/plain"), LOOPBACK)
    assert (fetched.data, fetched.content_type) == (photo, "application/octet-stream")


async def test_loopback_is_refused_unless_the_policy_allows_it(
    server: ImageServer, connects: ConnectRecorder
) -> None:
    with pytest.raises(ImageUrlRefusedError) as caught:
        await fetch_image(server.url("/photo.jpg"), FetchPolicy())
    assert caught.value.message == f"imageUrl points to a loopback address (127.0.0.1){ONLY_PUBLIC}"
    assert connects.attempts == [] and server.connections == 0


async def test_a_declared_length_over_the_limit_is_refused_without_reading(server: ImageServer) -> None:
    policy = LOOPBACK.model_copy(update={"max_bytes": 1 << 20})
    started = time.monotonic()
    with pytest.raises(ImageDownloadTooLargeError) as caught:
        await fetch_image(server.url("/declared-huge"), policy)
    # The server sends 16 bytes and then stalls: only refusing on the header ends this before the deadline.
    assert time.monotonic() - started < 2
    assert caught.value.message == "imageUrl download exceeded 1 MiB"
    assert caught.value.http_status == 400


@pytest.mark.parametrize(("size", "accepted"), [(300_000, True), (300_001, False)])
async def test_a_streamed_body_is_counted_to_the_byte(server: ImageServer, size: int, accepted: bool) -> None:
    policy = LOOPBACK.model_copy(update={"max_bytes": 300_000})
    if accepted:
        assert len((await fetch_image(server.url(f"/sized/{size}"), policy)).data) == size
    else:
        with pytest.raises(ImageDownloadTooLargeError, match=r"^imageUrl download exceeded 300000 bytes$"):
            await fetch_image(server.url(f"/sized/{size}"), policy)


async def test_an_endless_body_is_cut_as_soon_as_it_passes_the_limit(server: ImageServer) -> None:
    policy = LOOPBACK.model_copy(update={"max_bytes": 256 * 1024})
    started = time.monotonic()
    with pytest.raises(ImageDownloadTooLargeError, match=r"exceeded 256 KiB$"):
        await fetch_image(server.url("/endless"), policy)
    assert time.monotonic() - started < 2


async def test_a_server_that_does_not_answer_hits_the_deadline(server: ImageServer) -> None:
    policy = LOOPBACK.model_copy(update={"timeout_seconds": 0.5})
    started = time.monotonic()
    with pytest.raises(ImageFetchTimeoutError) as caught:
        await fetch_image(server.url("/slow-headers"), policy)
    assert 0.4 < time.monotonic() - started < 1.5
    assert caught.value.message == "imageUrl did not answer within 0.5 s"


async def test_the_deadline_covers_the_whole_download_not_each_read(server: ImageServer) -> None:
    # One byte every 50 ms: no single read is slow, the 200-byte body takes 10 s.
    policy = LOOPBACK.model_copy(update={"timeout_seconds": 1})
    started = time.monotonic()
    with pytest.raises(ImageFetchTimeoutError, match=r"^imageUrl did not answer within 1 s$"):
        await fetch_image(server.url("/trickle"), policy)
    assert time.monotonic() - started < 2


async def test_a_redirect_chain_within_the_limit_is_followed(server: ImageServer, photo: bytes) -> None:
    fetched = await fetch_image(server.url("/redirect/3"), LOOPBACK)
    assert fetched.data == photo
    assert fetched.final_url == server.url("/redirect/0")
    assert [path for path, _host in server.requests] == [f"/redirect/{n}" for n in (3, 2, 1, 0)]


async def test_one_redirect_too_many_is_refused_without_following_it(server: ImageServer) -> None:
    with pytest.raises(ImageFetchError) as caught:
        await fetch_image(server.url("/redirect/4"), LOOPBACK)
    assert caught.value.message == "imageUrl redirected more than 3 times"
    assert len(server.requests) == 4
    with pytest.raises(ImageFetchError, match="redirected more than 0 times"):
        await fetch_image(server.url("/redirect/1"), LOOPBACK.model_copy(update={"max_redirects": 0}))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("http://10.0.0.1/", f"imageUrl redirect target points to a private address (10.0.0.1){ONLY_PUBLIC}"),
        (
            "http://169.254.169.254/latest/meta-data/",
            f"imageUrl redirect target points to a link-local address (169.254.169.254){ONLY_PUBLIC}",
        ),
        (
            "http://0xa9fea9fe/",
            f"imageUrl redirect target points to a link-local address (169.254.169.254){ONLY_PUBLIC}",
        ),
        (
            "http://[::ffff:10.0.0.1]/",
            f"imageUrl redirect target points to a private address (::ffff:10.0.0.1){ONLY_PUBLIC}",
        ),
        (
            "http://metadata.internal.test/",
            f"imageUrl redirect target resolves to a link-local address{ONLY_PUBLIC}",
        ),
        ("file:///etc/passwd", "imageUrl redirect target must be an http or https URL"),
        ("gopher://127.0.0.1:6379/_INFO", "imageUrl redirect target must be an http or https URL"),
        (
            "http://user:pw@127.0.0.1/photo.jpg",
            "imageUrl redirect target must not contain a user name or password",
        ),
    ],
)
async def test_a_redirect_out_of_bounds_is_refused_before_connecting(
    server: ImageServer, dns: FakeDns, connects: ConnectRecorder, target: str, expected: str
) -> None:
    dns.answer("metadata.internal.test", ["169.254.169.254"])
    with pytest.raises(ImageUrlRefusedError) as caught:
        await fetch_image(server.url(f"/go?to={target}"), LOOPBACK)
    assert caught.value.message == expected
    # Only the allowed test server was ever contacted.
    assert connects.attempts == [("127.0.0.1", server.port)]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/status/404", "imageUrl answered HTTP 404"),
        ("/status/500", "imageUrl answered HTTP 500"),
        ("/no-location", "imageUrl answered HTTP 302 without a Location"),
        ("/gzip", "imageUrl answered with a compressed body; only unencoded images are accepted"),
    ],
)
async def test_unusable_answers_are_client_errors(server: ImageServer, path: str, expected: str) -> None:
    with pytest.raises(ImageFetchError) as caught:
        await fetch_image(server.url(path), LOOPBACK)
    assert caught.value.message == expected
    assert caught.value.http_status == 400


async def test_a_closed_port_is_reported_as_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ImageFetchError, match=r"^imageUrl could not be reached$"):
        await fetch_image(f"http://127.0.0.1:{port}/photo.jpg", LOOPBACK)


async def test_dns_rebinding_after_the_check_does_not_reach_the_second_address(
    photo: bytes, dns: FakeDns, connects: ConnectRecorder
) -> None:
    # Same port on two loopback addresses: the checked one serves the photo, the rebound one a secret.
    with (
        ImageServer(photo, host="127.0.0.2") as checked,
        ImageServer(b"secret", port=checked.port) as rebound,
    ):
        dns.answer("images.rebind.test", ["127.0.0.2"], ["127.0.0.1"])
        policy = FetchPolicy(allowed_networks=["127.0.0.2/32"], timeout_seconds=5)
        fetched = await fetch_image(checked.url("/photo.jpg", host="images.rebind.test"), policy)
    assert fetched.data == photo
    assert dns.lookups == ["images.rebind.test"]
    assert connects.attempts == [("127.0.0.2", checked.port)]
    assert rebound.connections == 0
    assert checked.requests == [("/photo.jpg", f"images.rebind.test:{checked.port}")]
