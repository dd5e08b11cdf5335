"""Who is calling: the API key of a request, checked against what its route needs, and the key's limits.

Routes say what they need in their protos (`visage.common.v1.required_access`, `access_if_set`); scopes say
what a key grants (`libs.auth.scopes`). Health, readiness, docs, metrics and the liveness page stay open; a
liveness submission is authorised by its own signature (ACCESS_SIGNED).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from starlette.requests import Request

from libs.auth.keyring import Keyring
from libs.auth.keys import ApiKey
from libs.auth.limits import KeyLimits
from libs.auth.scopes import Access, Scope, allows
from libs.auth.store import KeyStoreSettings, open_keyring
from libs.errors import PermissionDeniedError
from libs.tenants import DEFAULT_TENANT

API_KEY_HEADER = "x-api-key"
_BEARER = "bearer "


@dataclass(frozen=True)
class Caller:
    key_id: str  # what logs name the caller by; never the key itself
    tenant: str
    scopes: frozenset[Scope]
    key: ApiKey | None = None  # None when keys are switched off


# Every request when keys are switched off (development on loopback only).
UNCHECKED = Caller(key_id="-", tenant=DEFAULT_TENANT, scopes=frozenset({Scope.ADMIN}))


def presented_key(request: Request) -> str | None:
    """`Authorization: Bearer KEY`, else `X-API-Key: KEY`."""
    authorization = request.headers.get("authorization", "")
    if authorization[: len(_BEARER)].lower() == _BEARER:
        return authorization[len(_BEARER) :].strip()
    return request.headers.get(API_KEY_HEADER)


class Authorizer:
    def __init__(self, required: bool, limits: KeyLimits) -> None:
        self.required = required
        self.limits = limits
        self._keyring: Keyring | None = None

    @property
    def keyring(self) -> Keyring:
        assert self._keyring is not None, "the keyring opens with the gateway's lifespan"
        return self._keyring

    async def open(self, stack: AsyncExitStack, key_store: KeyStoreSettings) -> None:
        """Open the keyring for the app's lifetime (closed with `stack`)."""
        self._keyring = await stack.enter_async_context(open_keyring(key_store))

    async def caller(self, request: Request, access: int) -> Caller | None:
        """The request's caller, allowed `access`; None for a signed route. 401 / 403 otherwise."""
        if access == Access.SIGNED:
            return None
        if not self.required:
            caller = UNCHECKED
        else:
            key = await self.keyring.authenticate(presented_key(request))
            caller = Caller(key.id, key.tenant, key.scopes, key)
        request.state.caller = caller
        self.check(caller, (access,))
        return caller

    def admitted(self, caller: Caller | None) -> AbstractAsyncContextManager[None]:
        """The caller's key holds a request slot for the block; 429 when it is over its limits."""
        if caller is None or caller.key is None:
            return _unlimited()
        return self.limits.admitted(caller.key)

    def check_images(self, caller: Caller | None, count: int) -> None:
        if caller is not None and caller.key is not None:
            self.limits.check_images(caller.key, count)

    def faces_per_image(self, caller: Caller) -> int | None:
        return None if caller.key is None else self.limits.faces_per_image(caller.key)

    def check(self, caller: Caller | None, accesses: Iterable[int]) -> None:
        """403 unless the caller's scopes grant every access (a signed route has no caller and no check)."""
        if caller is None:
            return
        for access in accesses:
            if access != Access.SIGNED and not allows(caller.scopes, Access(access)):
                held, needed = ", ".join(sorted(caller.scopes)), _scope_for(Access(access))
                raise PermissionDeniedError(f"API key {caller.key_id} ({held}) lacks {needed}")


@asynccontextmanager
async def _unlimited() -> AsyncIterator[None]:
    yield


def _scope_for(access: Access) -> str:
    wanted = {Access.READ: "read", Access.WRITE: "write", Access.CAPTURE: "capture or write"}
    return f"scope {wanted.get(access, 'admin')}"
