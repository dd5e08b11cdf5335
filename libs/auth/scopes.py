"""Scopes a key holds and the access each route needs (`visage.common.v1.Access`, same numbers)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum

from libs.errors import InvalidRequestError


class Access(IntEnum):
    """What a route needs: mirrors `visage.common.v1.Access` (protos/visage/common/v1/annotations.proto)."""

    UNSPECIFIED = 0  # a route nobody classified: admin keys only
    READ = 1
    WRITE = 2
    ADMIN = 3
    CAPTURE = 4
    SIGNED = 5  # no key; the request carries its own signature


class Scope(StrEnum):
    READ = "read"  # read stored data; detect, match, search
    WRITE = "write"  # also create, change and delete it, and start liveness transactions
    ADMIN = "admin"  # also manage keys and tenants
    CAPTURE = "capture"  # only start liveness transactions: a key a web page may publish


GRANTS: dict[Scope, frozenset[Access]] = {
    Scope.READ: frozenset({Access.READ}),
    Scope.WRITE: frozenset({Access.READ, Access.WRITE, Access.CAPTURE}),
    Scope.ADMIN: frozenset(Access) - {Access.SIGNED},
    Scope.CAPTURE: frozenset({Access.CAPTURE}),
}


def allows(scopes: Iterable[Scope], access: Access) -> bool:
    return any(access in GRANTS[scope] for scope in scopes)


def parse_scopes(names: Iterable[str]) -> frozenset[Scope]:
    """Scopes by name; unknown names are refused, an empty list is refused (a key that can do nothing)."""
    scopes = set()
    for name in names:
        try:
            scopes.add(Scope(name.strip().lower()))
        except ValueError:
            known = ", ".join(scope.value for scope in Scope)
            raise InvalidRequestError(f"unknown scope {name[:40]!r}; scopes are {known}") from None
    if not scopes:
        raise InvalidRequestError("a key needs at least one scope")
    return frozenset(scopes)
