"""Tenants: the authorisation boundary between API keys' owners. One place for the name rule.

The gateway authenticates a REST call by its API key, whose tenant it sends to the services as gRPC metadata
`visage-tenant`; every store scopes reads and writes to it (SQL `tenant` columns, object keys under
`tenants/<tenant>/`, a vector field every search filters on). A call without the metadata is the tenant
`default`: inside the mTLS mesh only the gateway and tests call, and data written before tenants existed
belongs to it. Regula's own `tenant`/`env` request fields are client-written labels, never this boundary.
"""

from __future__ import annotations

import re

from libs.errors import InvalidRequestError

TENANT_METADATA_KEY = "visage-tenant"
# Object keys of a tenant's data (identification photos, liveness media) begin with `tenants/<tenant>/`.
TENANTS_PREFIX = "tenants/"
DEFAULT_TENANT = "default"
# Lower case, digits, '_' and '-', at most 63 characters: safe as an object key segment, a Milvus partition
# key value and a log field without escaping.
TENANT_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def valid_tenant(name: str) -> str:
    """`name` if it is a tenant name; InvalidRequestError (400 / INVALID_ARGUMENT) otherwise."""
    if not isinstance(name, str) or not TENANT_PATTERN.fullmatch(name):
        shown = name[:64] if isinstance(name, str) else type(name).__name__
        raise InvalidRequestError(f"tenant must match ^[a-z0-9][a-z0-9_-]{{0,62}}$, got {shown!r}")
    return name


def tenant_prefix(tenant: str) -> str:
    """`tenants/<tenant>/`, the object key prefix of everything the tenant stores."""
    return f"{TENANTS_PREFIX}{valid_tenant(tenant)}/"


def split_tenant_key(key: str) -> tuple[str | None, str]:
    """(tenant, the rest of the key) for a key under `tenant_prefix`; (None, key) for any other key."""
    if key.startswith(TENANTS_PREFIX):
        tenant, _, rest = key[len(TENANTS_PREFIX) :].partition("/")
        if TENANT_PATTERN.fullmatch(tenant) and rest:
            return tenant, rest
    return None, key
