"""`Keyring`: issue, check, list and revoke API keys over a `KeyRepository` and the server's pepper."""

from __future__ import annotations

import time
from collections.abc import Callable

from cachetools import TTLCache

from libs.auth.keys import ApiKey, KeyLimitValues, issue, matches, parse_key
from libs.auth.repository import KeyRepository
from libs.auth.scopes import Scope
from libs.errors import NotFoundError, UnauthenticatedError
from libs.tenants import valid_tenant

_CACHED_KEYS = 10_000
_MAX_NAME = 200


class Keyring:
    def __init__(
        self,
        repository: KeyRepository,
        pepper: bytes,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._repository = repository
        self._pepper = pepper
        self._clock = clock
        # Key records by id, absent ones included (None), so a request costs no SQL round trip. A key revoked
        # through another gateway replica stops working within `cache_seconds`; through this one, at once.
        self._cache: TTLCache[str, ApiKey | None] = TTLCache(_CACHED_KEYS, cache_seconds, timer=clock)

    def _now(self) -> int:
        return int(self._clock() * 1000)

    async def create(
        self,
        tenant: str,
        scopes: frozenset[Scope],
        name: str = "",
        limits: KeyLimitValues | None = None,
    ) -> tuple[ApiKey, str]:
        """A new key: its record and its text (shown once; only its HMAC is stored)."""
        key, text = issue(
            self._pepper,
            valid_tenant(tenant),
            name[:_MAX_NAME],
            scopes,
            self._now(),
            limits,
        )
        await self._repository.insert(key)
        return key, text

    async def authenticate(self, text: str | None) -> ApiKey:
        """The active key `text` is; `UnauthenticatedError` for none, a malformed, unknown or revoked one."""
        if not text:
            raise UnauthenticatedError(
                "this route needs an API key: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
            )
        presented = parse_key(text)
        if presented is None:
            raise UnauthenticatedError("the API key is malformed")
        if presented.id in self._cache:
            key = self._cache[presented.id]
        else:
            key = self._cache[presented.id] = await self._repository.get(presented.id)
        # One message for unknown, wrong secret and revoked: a caller learns nothing about which ids exist.
        if key is None or not key.active or not matches(key, presented, self._pepper):
            raise UnauthenticatedError(f"API key {presented.id} is unknown or revoked")
        return key

    async def list(self, tenant: str | None = None) -> list[ApiKey]:
        return await self._repository.list(tenant)

    async def revoke(self, key_id: str) -> None:
        if not await self._repository.revoke(key_id, self._now()):
            raise NotFoundError(f"no active API key {key_id[:40]!r}")
        self._cache.pop(key_id, None)

    async def revoke_tenant(self, tenant: str) -> list[str]:
        revoked = await self._repository.revoke_tenant(valid_tenant(tenant), self._now())
        for key_id in revoked:
            self._cache.pop(key_id, None)
        return revoked
