"""The admin API, served by the gateway itself (it owns the keys): `/api/admin/keys`, `/api/admin/tenants`.

Admin-scoped keys only. A key's text is in the answer that creates it and nowhere else, ever.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth import Authorizer
from libs.auth.keys import ApiKey
from libs.auth.scopes import Access, Scope
from libs.errors import InvalidRequestError
from libs.identification.values import iso_from_ms
from libs.tenants import valid_tenant

_MAX_BODY = 64 * 1024


class KeyRequest(BaseModel):
    """Body of POST /api/admin/keys."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")

    tenant: str
    scopes: list[Scope] = Field(min_length=1)
    name: str = Field(default="", max_length=200)
    requests_per_second: int | None = Field(default=None, ge=1)
    max_concurrent: int | None = Field(default=None, ge=1)


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "tenant": key.tenant,
        "name": key.name,
        "scopes": sorted(key.scopes),
        "createdAt": iso_from_ms(key.created_at),
        "requestsPerSecond": key.requests_per_second,
        "maxConcurrent": key.max_concurrent,
    }


class AdminRoutes:
    def __init__(self, auth: Authorizer) -> None:
        self.auth = auth

    def routes(self) -> list[Route]:
        return [
            Route("/api/admin/keys", self.create_key, methods=["POST"]),
            Route("/api/admin/keys", self.list_keys, methods=["GET"]),
            Route("/api/admin/keys/{keyId}", self.revoke_key, methods=["DELETE"]),
            Route("/api/admin/tenants/{tenant}", self.delete_tenant, methods=["DELETE"]),
        ]

    async def _admin(self, request: Request, template: str) -> None:
        request.state.route = template
        request.state.targets = dict(request.path_params)
        await self.auth.caller(request, Access.ADMIN)

    async def create_key(self, request: Request) -> Response:
        await self._admin(request, "/api/admin/keys")
        body = await request.body()
        if len(body) > _MAX_BODY:
            raise InvalidRequestError(f"the body is over {_MAX_BODY} bytes")
        try:
            wanted = KeyRequest.model_validate(json.loads(body or b"{}"))
        except (ValueError, ValidationError) as error:
            raise InvalidRequestError(f"invalid key request: {error}") from None
        key, text = await self.auth.keyring.create(
            valid_tenant(wanted.tenant),
            frozenset(wanted.scopes),
            wanted.name,
            wanted.requests_per_second,
            wanted.max_concurrent,
        )
        request.state.targets = {"keyId": key.id, "tenant": key.tenant}
        return JSONResponse(key_json(key) | {"key": text}, status_code=201)

    async def list_keys(self, request: Request) -> Response:
        await self._admin(request, "/api/admin/keys")
        tenant = request.query_params.get("tenant")
        keys = await self.auth.keyring.list(valid_tenant(tenant) if tenant else None)
        return JSONResponse({"items": [key_json(key) for key in keys]})

    async def revoke_key(self, request: Request) -> Response:
        await self._admin(request, "/api/admin/keys/{keyId}")
        await self.auth.keyring.revoke(request.path_params["keyId"])
        return Response(status_code=204)

    async def delete_tenant(self, request: Request) -> Response:
        await self._admin(request, "/api/admin/tenants/{tenant}")
        await self.auth.keyring.revoke_tenant(valid_tenant(request.path_params["tenant"]))
        return Response(status_code=204)
