"""fetch_image refuses what must not be contacted, before any connection: no network is used here.

Every test runs with a connect recorder that refuses all connections, and most assert it saw none, so a
refusal that only happened because a connection failed would not pass.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from libs.errors import ImageFetchError, ImageUrlRefusedError
from libs.net import FetchPolicy, fetch_image
from tests.fake_network import ConnectRecorder, FakeDns, install_connect_recorder, install_fake_dns

pytestmark = pytest.mark.unit

ONLY_PUBLIC = "; only public addresses are allowed"
TEREDO_TO_LOOPBACK = "2001:0:4136:e378:8000:63bf:80ff:fffe"


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> ConnectRecorder:
    return install_connect_recorder(monkeypatch, allow_loopback=False)


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    return install_fake_dns(monkeypatch)


async def _refusal(url: str, policy: FetchPolicy | None = None) -> ImageUrlRefusedError:
    with pytest.raises(ImageUrlRefusedError) as caught:
        await fetch_image(url, policy or FetchPolicy())
    assert caught.value.http_status == 400
    return caught.value


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1/a.png", "a loopback address (127.0.0.1)"),
        ("https://127.255.255.254:8443/a.png", "a loopback address (127.255.255.254)"),
        ("http://[::1]/a.png", "a loopback address (::1)"),
        ("http://10.0.0.5/a.png", "a private address (10.0.0.5)"),
        ("http://172.16.0.1/", "a private address (172.16.0.1)"),
        ("http://172.31.255.255/", "a private address (172.31.255.255)"),
        ("http://192.168.1.1/", "a private address (192.168.1.1)"),
        ("http://[fc00::1]/", "a private address (fc00::1)"),
        ("http://[fd12:3456::1]/", "a private address (fd12:3456::1)"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address (169.254.169.254)"),
        ("http://[fe80::1]/", "a link-local address (fe80::1)"),
        ("http://100.64.0.1/", "a carrier-grade NAT address (100.64.0.1)"),
        ("http://100.100.100.200/", "a carrier-grade NAT address (100.100.100.200)"),  # Alibaba metadata
        ("http://0.0.0.0/", "an unspecified address (0.0.0.0)"),
        ("http://0.1.2.3/", "an unspecified address (0.1.2.3)"),
        ("http://[::]/", "an unspecified address (::)"),
        ("http://224.0.0.1/", "a multicast address (224.0.0.1)"),
        ("http://239.255.255.250:1900/", "a multicast address (239.255.255.250)"),
        ("http://[ff02::1]/", "a multicast address (ff02::1)"),
        ("http://255.255.255.255/", "a broadcast address (255.255.255.255)"),
        ("http://240.0.0.1/", "a reserved address (240.0.0.1)"),
        ("http://192.0.0.9/", "a reserved address (192.0.0.9)"),
        ("http://198.18.0.1/", "a reserved address (198.18.0.1)"),
        ("http://[100::1]/", "a reserved address (100::1)"),
        ("http://192.0.2.1/", "a documentation address (192.0.2.1)"),
        ("http://198.51.100.7/", "a documentation address (198.51.100.7)"),
        ("http://203.0.113.9/", "a documentation address (203.0.113.9)"),
        ("http://[2001:db8::1]/", "a documentation address (2001:db8::1)"),
    ],
)
async def test_every_non_public_address_class_is_refused(
    url: str, expected: str, connects: ConnectRecorder
) -> None:
    error = await _refusal(url)
    assert error.message == f"imageUrl points to {expected}{ONLY_PUBLIC}"
    assert connects.attempts == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # IPv4 written the ways inet_aton accepts: the resolver normalises them, the check sees the result.
        ("http://2130706433/", "a loopback address (127.0.0.1)"),
        ("http://0x7f.1/", "a loopback address (127.0.0.1)"),
        ("http://017700000001/", "a loopback address (127.0.0.1)"),
        ("http://0x7f000001/", "a loopback address (127.0.0.1)"),
        ("http://127.1/", "a loopback address (127.0.0.1)"),
        ("http://0/", "an unspecified address (0.0.0.0)"),
        ("http://0xa9.0xfe.0xa9.0xfe/", "a link-local address (169.254.169.254)"),
        ("http://012.0.5/", "a private address (10.0.0.5)"),
        ("http://01200000005/", "a private address (10.0.0.5)"),
        ("http://0xa.0.0.5/", "a private address (10.0.0.5)"),
        ("http://2852039166/latest/", "a link-local address (169.254.169.254)"),
        # IPv6 forms that carry an IPv4 address are judged by that address.
        ("http://[::ffff:127.0.0.1]/", "a loopback address (::ffff:127.0.0.1)"),
        ("http://[::ffff:7f00:1]/", "a loopback address (::ffff:127.0.0.1)"),
        ("http://[::ffff:169.254.169.254]/", "a link-local address (::ffff:169.254.169.254)"),
        ("http://[::127.0.0.1]/", "a loopback address (::7f00:1)"),  # IPv4-compatible
        ("http://[::10.0.0.5]/", "a private address (::a00:5)"),
        ("http://[2002:7f00:1::]/", "a loopback address (2002:7f00:1::)"),  # 6to4
        ("http://[2002:a9fe:a9fe::1]/", "a link-local address (2002:a9fe:a9fe::1)"),
        # Teredo: the client's IPv4 address is stored inverted (~127.0.0.1 = 80ff:fffe).
        (f"http://[{TEREDO_TO_LOOPBACK}]/", f"a loopback address ({TEREDO_TO_LOOPBACK})"),
        ("http://[64:ff9b::a00:5]/", "a private address (64:ff9b::a00:5)"),  # NAT64
        ("http://[64:ff9b:1::1]/", "a reserved address (64:ff9b:1::1)"),  # local-use NAT64
    ],
)
async def test_encoded_and_embedded_ipv4_is_judged_by_the_real_address(
    url: str, expected: str, connects: ConnectRecorder
) -> None:
    error = await _refusal(url)
    assert error.message == f"imageUrl points to {expected}{ONLY_PUBLIC}"
    assert connects.attempts == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://user:secret@example.com/a.png", "imageUrl must not contain a user name or password"),
        ("http://user@example.com/a.png", "imageUrl must not contain a user name or password"),
        ("https://:@example.com/a.png", "imageUrl must not contain a user name or password"),
        ("file:///etc/passwd", "imageUrl must be an http or https URL"),
        ("ftp://example.com/a.png", "imageUrl must be an http or https URL"),
        ("gopher://example.com:70/_GET", "imageUrl must be an http or https URL"),
        ("data:image/png;base64,iVBORw0KGgo=", "imageUrl must be an http or https URL"),
        ("javascript:alert(1)", "imageUrl must be an http or https URL"),
        ("//example.com/a.png", "imageUrl must be an http or https URL"),
        ("example.com/a.png", "imageUrl must be an http or https URL"),
        ("", "imageUrl must be an http or https URL"),
        ("http:///a.png", "imageUrl has no host"),
        ("http://exa mple.com/", "imageUrl has an invalid host"),
        ("http://[fe80::1%25eth0]/", "imageUrl has an invalid host"),
        ("http://127.0.0.1%0a.example.com/", "imageUrl has an invalid host"),
        ("http://a%00b/", "imageUrl has an invalid host"),
        ("http://[::1/", "imageUrl is not a valid URL"),
        # httpx refuses zero-padded dotted quads before anything resolves them
        ("http://012.0.0.5/", "imageUrl is not a valid URL"),
        ("http://0012.0.0.5/", "imageUrl is not a valid URL"),
    ],
)
async def test_malformed_urls_credentials_and_other_schemes_are_refused(
    url: str, expected: str, connects: ConnectRecorder
) -> None:
    error = await _refusal(url)
    assert error.message == expected
    assert connects.attempts == []


async def test_a_policy_can_require_https(connects: ConnectRecorder) -> None:
    error = await _refusal("http://example.com/a.png", FetchPolicy(allowed_schemes={"https"}))
    assert error.message == "imageUrl must be an https URL"


def test_a_policy_cannot_allow_schemes_the_fetcher_does_not_speak() -> None:
    with pytest.raises(ValidationError):
        FetchPolicy(allowed_schemes={"http", "file"})


async def test_a_name_resolving_to_a_private_address_is_refused_without_naming_it(
    dns: FakeDns, connects: ConnectRecorder
) -> None:
    dns.answer("images.corp.test", ["10.0.0.5"])
    error = await _refusal("https://images.corp.test/a.png")
    # The client learns that the name is not public, not what our internal DNS says it is.
    assert error.message == f"imageUrl resolves to a private address{ONLY_PUBLIC}"
    assert "10.0.0.5" not in error.message
    assert connects.attempts == []


async def test_one_private_address_among_public_ones_is_enough_to_refuse(
    dns: FakeDns, connects: ConnectRecorder
) -> None:
    dns.answer("mixed.example.test", ["93.184.216.34", "2606:2800:220:1::1", "169.254.169.254"])
    error = await _refusal("http://mixed.example.test/a.png")
    assert error.message == f"imageUrl resolves to a link-local address{ONLY_PUBLIC}"
    assert connects.attempts == []


async def test_localhost_is_refused(connects: ConnectRecorder) -> None:
    error = await _refusal("http://localhost:8080/a.png")
    assert error.message == f"imageUrl resolves to a loopback address{ONLY_PUBLIC}"
    assert connects.attempts == []


async def test_an_unresolvable_name_is_a_client_error(dns: FakeDns, connects: ConnectRecorder) -> None:
    dns.answer("nowhere.example.test", None)
    with pytest.raises(ImageFetchError) as caught:
        await fetch_image("http://nowhere.example.test/a.png", FetchPolicy())
    assert caught.value.message == "imageUrl host could not be resolved"
    assert caught.value.http_status == 400
    assert connects.attempts == []


async def test_an_allowed_network_is_contacted_at_the_resolved_address(
    dns: FakeDns, connects: ConnectRecorder
) -> None:
    dns.answer("store.corp.test", ["10.1.2.3"])
    policy = FetchPolicy(allowed_networks=["10.1.0.0/16"])
    with pytest.raises(ImageFetchError) as caught:
        await fetch_image("http://store.corp.test:9000/a.png", policy)
    # The recorder refuses the connection; what matters is where the fetcher tried to go.
    assert caught.value.message == "imageUrl could not be reached"
    assert connects.attempts == [("10.1.2.3", 9000)]


async def test_dns_rebinding_cannot_move_the_connection_to_a_second_answer(
    dns: FakeDns, connects: ConnectRecorder
) -> None:
    # A rebinding name: public for the check, loopback for whoever asks next.
    dns.answer("rebind.example.test", ["93.184.216.34"], ["127.0.0.1"])
    with pytest.raises(ImageFetchError):
        await fetch_image("http://rebind.example.test/a.png", FetchPolicy())
    assert dns.lookups == ["rebind.example.test"]
    assert connects.attempts == [("93.184.216.34", 80)]
