"""The admin API, served by the gateway itself (it owns the keys): `/api/admin/keys`, `/api/admin/tenants`.

Admin-scoped keys only. A key's text is in the answer that creates it and nowhere else, ever.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import grpc
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from visage.identification.v1 import identification_pb2_grpc, tenants_pb2
from visage.liveness.v1 import liveness_pb2, liveness_pb2_grpc

from gateway.auth import Authorizer
from gateway.discovery import Backend
from gateway.errors import BackendNotReadyError
from libs.auth.keys import LIMIT_FIELDS, ApiKey, KeyLimitValues
from libs.auth.scopes import Access, Scope
from libs.errors import InvalidRequestError
from libs.rpc import error_from_rpc
from libs.tenants import valid_tenant
from libs.timestamps import iso_from_ms

_MAX_BODY = 64 * 1024


class KeyRequest(BaseModel):
    """Body of POST /api/admin/keys."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")

    tenant: str
    scopes: list[Scope] = Field(min_length=1)
    name: str = Field(default="", max_length=200)
    requests_per_second: int | None = Field(default=None, ge=1)
    max_concurrent: int | None = Field(default=None, ge=1)
    max_images_per_request: int | None = Field(default=None, ge=1)
    max_faces_per_image: int | None = Field(default=None, ge=1)

    def limits(self) -> KeyLimitValues:
        return KeyLimitValues(**{name: getattr(self, name) for name in LIMIT_FIELDS})


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "tenant": key.tenant,
        "name": key.name,
        "scopes": sorted(key.scopes),
        "createdAt": iso_from_ms(key.created_at),
    } | {to_camel(name): getattr(key, name) for name in LIMIT_FIELDS}


IDENTIFICATION_SERVICE = "visage.identification.v1.IdentificationService"
LIVENESS_SERVICE = "visage.liveness.v1.LivenessService"


class AdminRoutes:
    def __init__(self, auth: Authorizer, backends: Sequence[Backend], timeout_seconds: float) -> None:
        self.auth = auth
        self.backends = tuple(backends)
        self.timeout = timeout_seconds

    def _channel_of(self, service: str) -> grpc.aio.Channel | None:
        """The channel of the backend serving `service`; None when no configured backend is meant to (a
        deployment without liveness); 503 while the one that is has not been discovered yet."""
        for backend in self.backends:
            if service in backend.services and backend.channel is not None:
                return backend.channel
        if any(not backend.discovered for backend in self.backends):
            raise BackendNotReadyError(f"cannot reach {service} yet: some backends are not discovered")
        return None

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
            wanted.limits(),
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
        """Revoke the tenant's keys first (so nothing new is written), then delete its data in every service.
        Safe to repeat: a second call finds nothing left. Keys cached by other gateway replicas keep working
        for up to `keys.cache_seconds`; repeat the call after that to catch what they wrote meanwhile."""
        await self._admin(request, "/api/admin/tenants/{tenant}")
        tenant = valid_tenant(request.path_params["tenant"])
        summary: dict[str, Any] = {"tenant": tenant}
        summary["revokedKeys"] = len(await self.auth.keyring.revoke_tenant(tenant))
        try:
            if (channel := self._channel_of(IDENTIFICATION_SERVICE)) is not None:
                stub = identification_pb2_grpc.IdentificationServiceStub(channel)
                deleted = await stub.DeleteTenant(
                    tenants_pb2.DeleteTenantRequest(tenant=tenant), timeout=self.timeout
                )
                summary |= {
                    "deletedPersons": deleted.deleted_persons,
                    "deletedGroups": deleted.deleted_groups,
                    "pendingPersons": deleted.pending_persons,
                }
            if (channel := self._channel_of(LIVENESS_SERVICE)) is not None:
                stub = liveness_pb2_grpc.LivenessServiceStub(channel)
                request_message = liveness_pb2.DeleteTenantRequest(tenant=tenant)
                answer = await stub.DeleteTenant(request_message, timeout=self.timeout)
                summary["deletedTransactions"] = answer.deleted_transactions
        except grpc.aio.AioRpcError as error:
            raise error_from_rpc(error) from error
        return JSONResponse(summary)
