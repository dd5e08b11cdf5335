"""Download the image a client names by `imageUrl` without letting the URL reach anything but the internet.

Every hop (the URL and each redirect) is parsed once with httpx's parser, checked (scheme, no credentials,
host syntax), resolved once, refused if ANY address is not public unicast (unless explicitly allowed), and
then fetched over a connection pinned to those checked addresses (see `libs.net.pinning`). Redirects are
followed by hand so each hop goes through the same checks. One deadline covers the whole download.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpcore
import httpx
from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, field_validator

from libs.errors import ImageFetchError, ImageFetchTimeoutError, ImageUrlRefusedError
from libs.net.addresses import IPAddress, IPNetwork, is_allowed, literal_address, non_public_kind
from libs.net.body import read_body
from libs.net.pinning import PinnedNetworkBackend, resolve

_SUPPORTED_SCHEMES = frozenset({"http", "https"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A DNS name (letters, digits, dots, hyphens, underscores) or an IPv6 literal; never %-escapes or zone ids.
_HOST_NAME = re.compile(r"[a-z0-9_.-]+")
_IPV6_LITERAL = re.compile(r"[0-9a-f:.]+")


class FetchPolicy(BaseModel):
    """What a fetch may do. The defaults are for untrusted URLs from clients."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    # One deadline for everything: resolution, every redirect, headers and body.
    timeout_seconds: float = Field(default=10.0, gt=0)
    max_redirects: int = Field(default=3, ge=0)
    allowed_schemes: frozenset[str] = _SUPPORTED_SCHEMES
    # Networks allowed although not public (e.g. an internal image store). Empty: public addresses only.
    allowed_networks: tuple[IPvAnyNetwork, ...] = ()
    user_agent: str = "Visage-ImageFetcher/0.1"
    # PEM file of the CAs that verify HTTPS servers; None: the bundle httpx uses (certifi).
    ca_bundle: Path | None = None

    @field_validator("allowed_schemes")
    @classmethod
    def _only_http(cls, schemes: frozenset[str]) -> frozenset[str]:
        lowered = frozenset(scheme.lower() for scheme in schemes)
        if not lowered or not lowered <= _SUPPORTED_SCHEMES:
            raise ValueError(f"allowed_schemes must be a non-empty subset of {sorted(_SUPPORTED_SCHEMES)}")
        return lowered


@dataclass(frozen=True)
class FetchedImage:
    data: bytes
    # The media type the server declared ("image/jpeg"), lowercased, without parameters.
    content_type: str
    # The URL the bytes came from, after redirects.
    final_url: str


@dataclass(frozen=True)
class _Hop:
    """One URL to fetch; `index` 0 is the client's URL, 1.. are redirects (messages say which)."""

    url: httpx.URL
    index: int

    @property
    def subject(self) -> str:
        return _subject(self.index)


def _subject(index: int) -> str:
    return "imageUrl" if index == 0 else "imageUrl redirect target"


async def fetch_image(url: str, policy: FetchPolicy) -> FetchedImage:
    """The bytes at `url`, or an `ImageFetchError` (HTTP 400) that tells the client what was wrong."""
    ssl_context = _ssl_context(policy.ca_bundle)
    try:
        async with asyncio.timeout(policy.timeout_seconds):
            hop = _Hop(_parse(url, None), 0)
            while True:
                _check_syntax(hop, policy)
                addresses = await _checked_addresses(hop, policy.allowed_networks)
                outcome = await _request(hop, addresses, policy, ssl_context)
                if isinstance(outcome, FetchedImage):
                    return outcome
                if hop.index == policy.max_redirects:
                    raise ImageFetchError(f"imageUrl redirected more than {policy.max_redirects} times")
                hop = _Hop(_parse(outcome, hop), hop.index + 1)
    except (TimeoutError, httpcore.TimeoutException):
        raise ImageFetchTimeoutError(f"imageUrl did not answer within {policy.timeout_seconds:g} s") from None


def _parse(text: str, previous: _Hop | None) -> httpx.URL:
    try:
        return previous.url.join(text) if previous else httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        index = 0 if previous is None else previous.index + 1
        raise ImageUrlRefusedError(f"{_subject(index)} is not a valid URL") from None


def _check_syntax(hop: _Hop, policy: FetchPolicy) -> None:
    url = hop.url
    if url.scheme not in policy.allowed_schemes:
        allowed = " or ".join(sorted(policy.allowed_schemes))
        raise ImageUrlRefusedError(f"{hop.subject} must be an {allowed} URL")
    if url.userinfo:
        raise ImageUrlRefusedError(f"{hop.subject} must not contain a user name or password")
    host = url.raw_host.decode("ascii", "replace")
    if not host:
        raise ImageUrlRefusedError(f"{hop.subject} has no host")
    if not (_HOST_NAME.fullmatch(host) or (":" in host and _IPV6_LITERAL.fullmatch(host))):
        raise ImageUrlRefusedError(f"{hop.subject} has an invalid host")


async def _checked_addresses(hop: _Hop, allowed_networks: tuple[IPNetwork, ...]) -> list[IPAddress]:
    host = hop.url.raw_host.decode("ascii")
    try:
        addresses = await resolve(host, _port(hop.url))
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise ImageFetchError(f"{hop.subject} host could not be resolved")
    # Show the address only when the URL itself spelled it: never reveal what internal names resolve to.
    spelled = literal_address(host) is not None
    for address in addresses:
        if is_allowed(address, allowed_networks):
            continue
        kind = non_public_kind(address) or "a non-public address"
        where = f"points to {kind} ({_display(address)})" if spelled else f"resolves to {kind}"
        raise ImageUrlRefusedError(f"{hop.subject} {where}; only public addresses are allowed")
    return addresses


async def _request(
    hop: _Hop, addresses: list[IPAddress], policy: FetchPolicy, ssl_context: ssl.SSLContext
) -> FetchedImage | str:
    """The image, or the Location of a redirect."""
    url = hop.url
    target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=_port(url), target=url.raw_path)
    backend = PinnedNetworkBackend(target.host.decode("ascii"), _port(url), addresses)
    headers = [
        (b"Host", url.netloc),
        (b"User-Agent", policy.user_agent.encode("ascii", "replace")),
        (b"Accept", b"image/*"),
        # Compressed bodies would be a way around the size limit, and images are compressed anyway.
        (b"Accept-Encoding", b"identity"),
    ]
    timeouts = dict.fromkeys(("connect", "read", "write", "pool"), policy.timeout_seconds)
    with _transport_errors():
        async with (
            httpcore.AsyncConnectionPool(ssl_context=ssl_context, network_backend=backend) as pool,
            pool.stream("GET", target, headers=headers, extensions={"timeout": timeouts}) as response,
        ):
            if response.status in _REDIRECT_STATUSES:
                location = _header(response, b"location")
                if location is None:
                    raise ImageFetchError(f"imageUrl answered HTTP {response.status} without a Location")
                return location
            if not 200 <= response.status < 300:
                raise ImageFetchError(f"imageUrl answered HTTP {response.status}")
            data = await read_body(response, policy.max_bytes)
    content_type = (_header(response, b"content-type") or "").split(";")[0].strip().lower()
    return FetchedImage(data, content_type or "application/octet-stream", str(url))


@contextlib.contextmanager
def _transport_errors() -> Iterator[None]:
    """httpcore's errors as client-facing messages that say what failed, not how our network looks."""
    try:
        yield
    except httpcore.TimeoutException:
        raise
    except httpcore.ConnectError as error:
        if _caused_by(error, ssl.SSLCertVerificationError):
            raise ImageFetchError("imageUrl TLS certificate could not be verified") from None
        if _caused_by(error, ssl.SSLError):
            raise ImageFetchError("imageUrl TLS handshake failed") from None
        raise ImageFetchError("imageUrl could not be reached") from None
    except (httpcore.ProtocolError, httpcore.NetworkError, httpcore.UnsupportedProtocol):
        raise ImageFetchError("imageUrl answered with a broken HTTP response") from None


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _header(response: httpcore.Response, name: bytes) -> str | None:
    value = next((v for k, v in response.headers if k.lower() == name), None)
    return None if value is None else value.decode("latin-1")


def _display(address: IPAddress) -> str:
    # Python 3.11 prints ::ffff:10.0.0.5 as ::ffff:a00:5; show the IPv4 address the way people write it.
    mapped = getattr(address, "ipv4_mapped", None)
    return f"::ffff:{mapped}" if mapped is not None else str(address)


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


@functools.lru_cache(maxsize=4)
def _ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    # Cached: loading a CA bundle costs milliseconds, and a context is safe to share between connections.
    if ca_bundle is None:
        return httpx.create_ssl_context(trust_env=False)
    return ssl.create_default_context(cafile=str(ca_bundle))
