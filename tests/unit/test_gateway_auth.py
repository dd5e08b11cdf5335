"""API keys at the gateway, in process: 401/403/429 in Regula's error format, the tenant sent to the backend,
the admin API, the audit log. Backends are stand-ins (tests/unit/test_gateway_http.py); the keyring is real
(SQLite in a temporary folder). The same checks through real processes: tests/e2e/test_api_auth.py."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from google.protobuf.message import Message
from visage.identification.v1 import persons_pb2

from libs.auth.keyring import Keyring
from libs.auth.keys import KeyLimitValues
from libs.auth.scopes import Scope
from libs.auth.store import KeyStoreSettings
from tests.unit.test_gateway_http import IMAGE, StandIn, detected, make_app, operation_log

pytestmark = pytest.mark.unit


@dataclass
class Gateway:
    client: httpx.AsyncClient
    stand_ins: dict[str, StandIn]
    keyring: Keyring

    async def key(self, tenant: str, *scopes: Scope, **limits: int) -> dict[str, str]:
        _, text = await self.keyring.create(tenant, frozenset(scopes), limits=KeyLimitValues(**limits))
        return {"Authorization": f"Bearer {text}"}


def created(request: Message) -> Message:
    return persons_pb2.CreatePersonResponse(
        person={"id": "11111111-1111-4111-8111-111111111111", "name": "x"}
    )


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    client, stand_ins = make_app({"Detect": detected, "CreatePerson": created}, require_api_keys=True)
    auth = client._transport.app.state.gateway.auth  # type: ignore[attr-defined]
    async with AsyncExitStack() as stack:
        await auth.open(stack, KeyStoreSettings(data_dir=tmp_path))
        yield Gateway(client, stand_ins, auth.keyring)


async def test_a_data_route_without_a_valid_key_is_refused_with_401(gateway: Gateway) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"X-API-Key": f"vsk_{'0' * 12}_{'A' * 43}"}):
        answer = await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=headers)
        operation_log(answer, 401, "UnauthenticatedError")
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert gateway.stand_ins["Detect"].calls == []  # nothing reached the backend
    assert (await gateway.client.get("/api/healthz")).status_code == 200  # health stays open


async def test_a_key_reaches_the_backend_as_its_tenant_by_either_header(gateway: Gateway) -> None:
    bearer = await gateway.key("acme", Scope.READ)
    answer = await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=bearer)
    assert answer.status_code == 200
    x_api_key = {"X-API-Key": bearer["Authorization"].removeprefix("Bearer ")}
    assert (
        await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=x_api_key)
    ).status_code == 200
    assert [metadata["visage-tenant"] for _, metadata in gateway.stand_ins["Detect"].calls] == [
        "acme",
        "acme",
    ]


async def test_scopes_decide_what_a_key_may_do(gateway: Gateway) -> None:
    reader = await gateway.key("acme", Scope.READ)
    refused = await gateway.client.post("/api/persons", json={"name": "Ann"}, headers=reader)
    assert "scope write" in operation_log(refused, 403, "PermissionDeniedError")["msg"]
    capture = await gateway.key("acme", Scope.CAPTURE)
    operation_log(await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=capture), 403,
                  "PermissionDeniedError")  # fmt: skip
    writer = await gateway.key("acme", Scope.WRITE)
    assert (
        await gateway.client.post("/api/persons", json={"name": "Ann"}, headers=writer)
    ).status_code == 201
    assert gateway.stand_ins["CreatePerson"].calls[0][1]["visage-tenant"] == "acme"
    # A search reads, unless it asks to create a person from the probe (access_if_set in search.proto).
    plain = {"image": {"content": IMAGE}}
    assert (await gateway.client.post("/api/search", json=plain, headers=reader)).status_code == 200
    creating = plain | {"createPerson": {"name": "Bob"}}
    operation_log(await gateway.client.post("/api/search", json=creating, headers=reader), 403,
                  "PermissionDeniedError")  # fmt: skip
    assert len(gateway.stand_ins["Search"].calls) == 1
    assert (await gateway.client.post("/api/search", json=creating, headers=writer)).status_code == 200


async def test_a_key_over_its_rate_gets_429_with_retry_after(gateway: Gateway) -> None:
    slow = await gateway.key("acme", Scope.READ, requests_per_second=2)
    statuses = [
        (await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=slow)).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    answer = await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=slow)
    operation_log(answer, 429, "RateLimitedError")
    assert int(answer.headers["Retry-After"]) >= 1
    other = await gateway.key("acme", Scope.READ)  # limits are per key
    assert (await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=other)).status_code == 200


async def test_the_admin_api_creates_lists_and_revokes_keys(gateway: Gateway) -> None:
    admin = await gateway.key("ops", Scope.ADMIN)
    writer = await gateway.key("acme", Scope.WRITE)
    assert (await gateway.client.get("/api/admin/keys", headers=writer)).status_code == 403
    made = await gateway.client.post(
        "/api/admin/keys", json={"tenant": "globex", "scopes": ["read"], "name": "dashboard"}, headers=admin
    )
    assert made.status_code == 201, made.text
    key = made.json()
    assert key["tenant"] == "globex" and key["scopes"] == ["read"] and key["key"].startswith("vsk_")
    listed = (await gateway.client.get("/api/admin/keys", params={"tenant": "globex"}, headers=admin)).json()
    assert [item["id"] for item in listed["items"]] == [key["id"]] and "key" not in listed["items"][0]

    new_key = {"Authorization": f"Bearer {key['key']}"}
    assert (
        await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=new_key)
    ).status_code == 200
    assert (await gateway.client.delete(f"/api/admin/keys/{key['id']}", headers=admin)).status_code == 204
    operation_log(await gateway.client.post("/api/detect", json={"image": IMAGE}, headers=new_key), 401,
                  "UnauthenticatedError")  # fmt: skip
    assert (await gateway.client.delete(f"/api/admin/keys/{key['id']}", headers=admin)).status_code == 404
    bad = await gateway.client.post(
        "/api/admin/keys", json={"tenant": "x", "scopes": ["root"]}, headers=admin
    )
    operation_log(bad, 400, "InvalidRequestError")


async def test_each_data_call_leaves_one_audit_line_without_body_data(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    writer = await gateway.key("acme", Scope.WRITE)
    with caplog.at_level(logging.INFO, logger="visage.audit"):
        await gateway.client.post(
            "/api/persons", json={"name": "Secret Name"}, headers=writer | {"X-RequestID": "r1"}
        )
        await gateway.client.get("/api/persons/22222222-2222-4222-8222-222222222222")
        await gateway.client.get("/api/healthz")
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "visage.audit"]
    assert len(lines) == 2  # health is not audited
    created_line, refused_line = lines
    assert (
        created_line["requestId"] == "r1"
        and created_line["tenant"] == "acme"
        and created_line["status"] == 201
    )
    assert created_line["route"] == "/api/persons" and created_line["keyId"] == writer["Authorization"][11:23]
    assert created_line["targets"] == {"id": "11111111-1111-4111-8111-111111111111"}
    assert refused_line["status"] == 401 and refused_line["keyId"] is None
    assert refused_line["targets"] == {"personId": "22222222-2222-4222-8222-222222222222"}
    assert "Secret Name" not in caplog.text
