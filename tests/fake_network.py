"""Test doubles at the two network edges of `libs.net`: name resolution and TCP connect.

`FakeDns` replaces the running loop's `getaddrinfo` (what `libs.net` and anyio both call), so a fetcher that
resolved a second time at connect would be caught asking again. `ConnectRecorder` wraps httpcore's
`AnyIOBackend.connect_tcp` (where every TCP connection of httpcore starts) and records each destination; it
lets only loopback through, so no test can send traffic to any other address.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from ipaddress import ip_address
from typing import Any

import httpcore
import pytest


class FakeDns:
    """Answers chosen names with chosen addresses, one answer per lookup (the last one repeats)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._real = loop.getaddrinfo
        self._answers: dict[str, list[list[str] | None]] = {}
        self.lookups: list[str] = []

    def answer(self, name: str, *rounds: Sequence[str] | None) -> None:
        """Each round is the address list of one lookup; None makes that lookup fail (NXDOMAIN)."""
        self._answers[name] = [None if r is None else list(r) for r in rounds]

    async def getaddrinfo(self, host: Any, port: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        name = host.decode("ascii") if isinstance(host, bytes) else str(host)
        if name not in self._answers:
            return await self._real(host, port, **kwargs)
        rounds = self._answers[name]
        answer = rounds[min(self.lookups.count(name), len(rounds) - 1)]
        self.lookups.append(name)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        number = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, number, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, number))
            for a in answer
        ]


class ConnectRecorder:
    """Every (host, port) httpcore tried to connect to; only loopback goes through, and only if allowed."""

    def __init__(self, original: Any, allow_loopback: bool) -> None:
        self._original = original
        self._allow_loopback = allow_loopback
        self.attempts: list[tuple[str, int]] = []

    async def connect_tcp(
        self, backend: Any, host: str, port: int, **kwargs: Any
    ) -> httpcore.AsyncNetworkStream:
        self.attempts.append((host, port))
        if not (self._allow_loopback and _is_loopback(host)):
            raise httpcore.ConnectError("test network: connection not allowed")
        return await self._original(backend, host, port, **kwargs)

    @property
    def hosts(self) -> list[str]:
        return [host for host, _port in self.attempts]


def install_fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    loop = asyncio.get_running_loop()
    dns = FakeDns(loop)
    monkeypatch.setattr(loop, "getaddrinfo", dns.getaddrinfo)
    return dns


def install_connect_recorder(monkeypatch: pytest.MonkeyPatch, *, allow_loopback: bool) -> ConnectRecorder:
    recorder = ConnectRecorder(httpcore.AnyIOBackend.connect_tcp, allow_loopback)

    async def connect_tcp(self: Any, host: str, port: int, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return await recorder.connect_tcp(self, host, port, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect_tcp)
    return recorder


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False  # a name: a pinning fetcher never connects by name
