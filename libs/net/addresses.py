"""Which IP addresses an outgoing fetch may connect to: public unicast only, unless explicitly allowed.

`ipaddress.is_global` alone is not enough on Python 3.11 (it calls 224.0.0.1, ::127.0.0.1, 2002:7f00:1:: and
64:ff9b::a00:5 global), so the ranges that matter are listed here explicitly and `is_global` is the last net.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

_PRIVATE = "a private address"
_RESERVED = "a reserved address"

# First match wins: broadcast comes before the 240/4 block that contains it.
_IPV4_KINDS: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(network), kind)
    for network, kind in (
        ("0.0.0.0/8", "an unspecified address"),
        ("10.0.0.0/8", _PRIVATE),
        ("100.64.0.0/10", "a carrier-grade NAT address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),  # includes 169.254.169.254, the cloud metadata service
        ("172.16.0.0/12", _PRIVATE),
        ("192.0.0.0/24", _RESERVED),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", _RESERVED),  # former 6to4 relay anycast
        ("192.168.0.0/16", _PRIVATE),
        ("198.18.0.0/15", _RESERVED),  # benchmarking
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "a broadcast address"),
        ("240.0.0.0/4", _RESERVED),
    )
)
_IPV6_KINDS: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(network), kind)
    for network, kind in (
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::/96", _RESERVED),  # IPv4-compatible (deprecated); its embedded address is checked first
        ("100::/64", _RESERVED),  # discard-only
        ("64:ff9b:1::/48", _RESERVED),  # local-use NAT64: translates into private networks
        ("2001:db8::/32", "a documentation address"),
        ("3fff::/20", "a documentation address"),
        ("fc00::/7", _PRIVATE),  # unique local
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", _PRIVATE),  # site-local (deprecated)
        ("ff00::/8", "a multicast address"),
    )
)
_IPV4_COMPATIBLE = IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")


def non_public_kind(address: IPAddress) -> str | None:
    """Why `address` is not a public unicast address ("a loopback address", ...), or None if it is one."""
    if isinstance(address, IPv4Address):
        return _ipv4_kind(address)
    # Forms that carry an IPv4 address reach that address: judge the IPv4 address.
    if address.ipv4_mapped is not None:
        return _ipv4_kind(address.ipv4_mapped)
    if address in _NAT64:
        return _ipv4_kind(_low_ipv4(address))
    embedded: list[IPv4Address] = []
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        embedded.append(_low_ipv4(address))
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    for ipv4 in embedded:
        kind = _ipv4_kind(ipv4)
        if kind is not None:
            return kind
    return _listed_kind(address, _IPV6_KINDS) or _generic_kind(address)


def is_allowed(address: IPAddress, allowed_networks: Iterable[IPNetwork]) -> bool:
    """Whether an address may be contacted: public, or inside one of the explicitly allowed networks."""
    if any(address.version == network.version and address in network for network in allowed_networks):
        return True
    return non_public_kind(address) is None


def literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself (IPv4 in any inet_aton form: 2130706433, 0x7f.1, ...), else None.

    Only for messages: the decision is always made on what the resolver returns.
    """
    try:
        return ip_address(host)
    except ValueError:
        pass
    try:
        return IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _ipv4_kind(address: IPv4Address) -> str | None:
    return _listed_kind(address, _IPV4_KINDS) or _generic_kind(address)


def _listed_kind(address: IPAddress, table: tuple[tuple[IPNetwork, str], ...]) -> str | None:
    return next((kind for network, kind in table if address in network), None)


def _generic_kind(address: IPAddress) -> str | None:
    # The last net for ranges not listed above (and for ranges IANA adds that Python already knows).
    if address.is_multicast:
        return "a multicast address"
    if address.is_loopback or address.is_link_local or address.is_unspecified:
        return _RESERVED
    if address.is_private or address.is_reserved or not address.is_global:
        return _RESERVED
    return None


def _low_ipv4(address: IPv6Address) -> IPv4Address:
    return IPv4Address(int(address) & 0xFFFFFFFF)
