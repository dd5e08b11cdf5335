"""Tenants: the boundary of what a caller may see. Each API key belongs to one; the gateway sends it on."""

from __future__ import annotations

import re

from libs.errors import InvalidRequestError

# gRPC metadata the gateway puts the caller's tenant in; set by the gateway only, never read from a client.
TENANT_METADATA_KEY = "visage-tenant"
# The tenant of calls that carry none (inside the mTLS mesh: tests, tools) and of `make run`'s local key.
DEFAULT_TENANT = "default"
_TENANT = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def valid_tenant(name: str) -> str:
    """`name` when it is a tenant name: 1..63 of a-z, 0-9, '_' and '-', starting with a letter or digit."""
    if not _TENANT.fullmatch(name):
        raise InvalidRequestError(
            f"tenant {name[:80]!r} is not a tenant name: 1..63 of a-z, 0-9, '_' and '-', starting with a"
            " letter or digit"
        )
    return name
