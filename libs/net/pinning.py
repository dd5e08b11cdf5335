"""Resolve a host once and connect only to the addresses that were checked (DNS pinning).

httpcore asks its network backend to `connect_tcp(host, port)` and does everything else (the Host header
from the URL, TLS SNI and certificate verification via `start_tls(server_hostname=<URL host>)`) from the
URL. So swapping the backend is the one place where the TCP destination can be fixed to a checked address
while the request and the TLS handshake still name the original host: nothing is rewritten, and a second
DNS answer (rebinding between check and connect) is never asked for.
"""

from __future__ import annotations

import asyncio
import socket
import typing
from collections.abc import Sequence
from ipaddress import ip_address

import httpcore

from libs.net.addresses import IPAddress


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to for a TCP connection, in resolver order, without duplicates.

    Numeric forms (2130706433, 0x7f.1, 017700000001) come back normalised, so callers check real addresses.
    Raises OSError (socket.gaierror) when the name does not resolve.
    """
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class PinnedNetworkBackend(httpcore.AsyncNetworkBackend):
    """A network backend for one origin that connects to its checked addresses and nowhere else."""

    def __init__(
        self,
        host: str,
        port: int,
        addresses: Sequence[IPAddress],
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        if not addresses:
            raise ValueError("a pinned backend needs at least one address")
        self._host = host
        self._port = port
        self._addresses = tuple(addresses)
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # Defence in depth: this backend exists for one origin; anything else is a bug, not a request.
        if (host, port) != (self._host, self._port):
            raise httpcore.ConnectError("connection to an unchecked origin refused")
        last_error: Exception | None = None
        # In resolver order, like a normal client; every one of them passed the check.
        for address in self._addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for fetching")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
