"""The gateway app over HTTP, in process, with its backend calls answered by stand-ins (no network).

Discovery and the real gRPC calls are covered by tests/integration/test_gateway_backends.py and tests/e2e.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.message import Message
from visage.detection.v1 import detection_pb2
from visage.identification.v1 import persons_pb2

from gateway.app import create_app
from gateway.discovery import Endpoint
from gateway.rules import RestRoute, service_routes
from gateway.settings import GatewaySettings
from libs.errors import CorruptImageError
from libs.rpc import TLSFiles
from libs.rpc.status import error_metadata
from tests.unit import proto_http

pytestmark = pytest.mark.unit

Handler = Callable[[Message], Message]
IMAGE = base64.b64encode(b"\xff\xd8\xff\xe0 jpeg").decode()


class StandIn:
    """Answers one route's calls with `handler` and remembers what it was sent."""

    def __init__(self, route: RestRoute, handler: Handler | None) -> None:
        self.route, self.handler = route, handler
        self.calls: list[tuple[Message, dict[str, str]]] = []

    async def __call__(
        self, request: Message, timeout: float, metadata: tuple[tuple[str, str], ...]
    ) -> Message:
        self.calls.append((request, dict(metadata)))
        if self.handler is None:
            return self.route.response_class()
        return self.handler(request)


def rpc_error(code: grpc.StatusCode, details: str, trailers: tuple[tuple[str, str], ...] = ()) -> Exception:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailers), details)


def make_app(
    handlers: dict[str, Handler | None],
    discovered: tuple[str, ...] = ("detection", "identification"),
    cors_origins: tuple[str, ...] = (),
    **settings_fields: Any,
):
    """The app and its stand-ins. API keys are off unless `require_api_keys=True` is passed (then the caller
    opens the keyring: tests/unit/test_gateway_auth.py): these tests are about transcoding."""
    settings = GatewaySettings(
        backends={"detection": "127.0.0.1:1", "identification": "127.0.0.1:2"},
        tls=TLSFiles.in_directory(Path("/nonexistent"), "gateway"),
        max_body_bytes=10_000,
        cors_origins=list(cors_origins),
        **({"require_api_keys": False} | settings_fields),
    )
    app = create_app(settings)
    stand_ins: dict[str, StandIn] = {}
    services = {"detection": proto_http.SERVICES[0], "identification": proto_http.SERVICES[3]}
    for backend in app.state.gateway.backends:
        if backend.name not in discovered:
            continue
        endpoints = []
        for route in service_routes(services[backend.name], backend.name):
            stand_ins[route.rpc.name] = StandIn(route, handlers.get(route.rpc.name))
            endpoints.append(Endpoint(route, stand_ins[route.rpc.name]))  # type: ignore[arg-type]
        backend.endpoints, backend.discovered = tuple(endpoints), True
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://gateway"), stand_ins


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def detected(request: Message) -> Message:
    response = detection_pb2.DetectResponse(code=0)
    response.results.detections.add(roi=[1, 2, 3, 4]).landmarks.add(x=1, y=2)
    return response


def raising(error: Exception) -> Handler:
    def handler(request: Message) -> Message:
        raise error

    return handler


async def test_detect_goes_to_the_backend_and_comes_back_as_regula_json_with_the_request_id() -> None:
    client, stand_ins = make_app({"Detect": detected})
    answer = await client.post(
        "/api/detect", json={"image": IMAGE, "tag": "t"}, headers={"X-RequestID": "req-42"}
    )
    assert answer.status_code == 200
    assert answer.json()["results"]["detections"][0]["landmarks"] == [[1.0, 2.0]]
    assert answer.headers["X-RequestID"] == "req-42"
    [(request, metadata)] = stand_ins["Detect"].calls
    assert request.tag == "t" and metadata == {"x-request-id": "req-42", "visage-tenant": "default"}


async def test_a_request_without_request_id_gets_one_generated_and_echoed() -> None:
    client, stand_ins = make_app({"Detect": detected})
    answer = await client.post("/api/detect", json={"image": IMAGE})
    request_id = answer.headers["X-RequestID"]
    assert len(request_id) == 32 and stand_ins["Detect"].calls[0][1]["x-request-id"] == request_id


def operation_log(answer: Any, status: int, error_type: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"statusCode", "type", "msg", "metadata"}
    assert body["statusCode"] == status and body["type"] == error_type and body["msg"]
    return body


@pytest.mark.parametrize(
    ("error", "status", "error_type", "result_code"),
    [
        (
            rpc_error(
                grpc.StatusCode.INVALID_ARGUMENT,
                "JPEG data is truncated",
                error_metadata(CorruptImageError("x")),
            ),
            400,
            "CorruptImageError",
            6,
        ),
        (rpc_error(grpc.StatusCode.UNAVAILABLE, "connection refused"), 503, "UnavailableError", 253),
        (
            rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"),
            504,
            "DeadlineExceededError",
            253,
        ),
        (rpc_error(grpc.StatusCode.INTERNAL, "internal error"), 500, "VisageError", 7),
    ],
)
async def test_backend_errors_become_operation_logs_with_their_http_status(
    error, status, error_type, result_code
) -> None:
    client, _ = make_app({"Detect": raising(error)})
    answer = await client.post("/api/detect", json={"image": IMAGE}, headers={"X-RequestID": "r1"})
    body = operation_log(answer, status, error_type)
    assert body["msg"] == error.details()
    assert body["metadata"] == {"resultCode": result_code, "requestId": "r1"}


async def test_a_gateway_bug_is_a_plain_500_operation_log() -> None:
    client, _ = make_app({"Detect": raising(RuntimeError("secret detail"))})
    body = operation_log(await client.post("/api/detect", json={"image": IMAGE}), 500, "VisageError")
    assert "secret" not in body["msg"]


async def test_bad_requests_are_400_operation_logs_and_never_reach_the_backend() -> None:
    client, stand_ins = make_app({"Detect": detected})
    body = operation_log(await client.post("/api/detect", content=b"{oops"), 400, "InvalidRequestError")
    assert "not valid JSON" in body["msg"] and body["metadata"]["resultCode"] == 203
    operation_log(await client.post("/api/detect", json={"image": "not base64!"}), 400, "InvalidRequestError")
    assert stand_ins["Detect"].calls == []


async def test_a_body_over_the_limit_is_refused_with_413_whether_declared_or_streamed() -> None:
    client, stand_ins = make_app({"Detect": detected})
    operation_log(await client.post("/api/detect", content=b"x" * 20_000), 413, "PayloadTooLargeError")
    chunked = await client.post("/api/detect", content=chunks(b"x" * 6000, b"x" * 6000))
    operation_log(chunked, 413, "PayloadTooLargeError")
    assert (await client.post("/api/detect", json={"image": IMAGE})).status_code == 200
    assert len(stand_ins["Detect"].calls) == 1


async def test_unknown_paths_are_404_and_wrong_methods_405_with_allow() -> None:
    client, _ = make_app({})
    operation_log(await client.get("/api/nothing"), 404, "RouteNotFoundError")
    operation_log(await client.get("/elsewhere"), 404, "RouteNotFoundError")
    answer = await client.get("/api/detect")
    operation_log(answer, 405, "MethodNotAllowedError")
    assert answer.headers["Allow"] == "POST"
    assert (await client.post("/api/healthz")).status_code == 405


async def test_routes_are_503_and_readyz_503_while_a_backend_is_not_discovered() -> None:
    client, _ = make_app({}, discovered=("detection",))
    body = operation_log(await client.get("/api/groups"), 503, "BackendNotReadyError")
    assert "identification" in body["msg"]
    body = operation_log(await client.get("/api/readyz"), 503, "NotReadyError")
    assert "identification: not discovered" in body["msg"]
    legacy = await client.get("/api/readiness")
    assert legacy.status_code == 503 and legacy.json()["status"] == "not ready"


PERSON, IMAGE = "0b7e3f4a-55c1-4d2e-9a8b-1c2d3e4f5a6b", "7c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"


async def test_status_rules_reach_the_wire() -> None:
    def created(request: Message) -> Message:
        response = persons_pb2.CreatePersonResponse()
        response.person.name, response.person.id = request.name, PERSON
        return response

    def image(request: Message) -> Message:
        response = persons_pb2.GetPersonImageResponse()
        response.image.content_type, response.image.data = "image/jpeg", b"\xff\xd8raw"
        return response

    client, stand_ins = make_app({"CreatePerson": created, "GetPersonImage": image})
    answer = await client.post("/api/persons", json={"name": "Ann", "metadata": {}})
    assert answer.status_code == 201 and answer.json()["name"] == "Ann"
    deleted = await client.delete(f"/api/persons/{PERSON}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert stand_ins["DeletePerson"].calls[0][0].person_id == PERSON
    raw = await client.get(f"/api/persons/{PERSON}/images/{IMAGE}")
    assert raw.content == b"\xff\xd8raw" and raw.headers["content-type"] == "image/jpeg"
    listed = await client.get(f"/api/persons/{PERSON}/images?page=2&size=5")
    assert listed.status_code == 200
    request = stand_ins["ListPersonImages"].calls[0][0]
    assert (request.person_id, request.page, request.size) == (PERSON, 2, 5)


async def test_healthz_openapi_docs_and_metrics() -> None:
    client, _ = make_app({"Detect": detected})
    info = (await client.get("/api/healthz")).json()
    assert info == {
        "app": "Visage Face API",
        "licenseId": None,
        "licenseSerial": None,
        "licenseValidUntil": None,
        "version": info["version"],
    }
    assert info["version"]
    assert "/api/persons/{personId}" in (await client.get("/api/openapi.json")).json()["paths"]
    assert "/api/detect" in (await client.get("/api/docs")).text
    await client.post("/api/detect", json={"image": IMAGE})
    await client.post("/api/detect", json={"image": 1})
    metrics = (await client.get("/metrics")).text
    assert 'visage_gateway_requests_total{method="POST",route="/api/detect",status="200"} 1.0' in metrics
    assert 'visage_gateway_requests_total{method="POST",route="/api/detect",status="400"} 1.0' in metrics
    assert 'visage_gateway_request_duration_seconds_count{method="POST",route="/api/detect"' in metrics


async def test_cors_lets_configured_origins_call_and_read_the_request_id() -> None:
    client, _ = make_app({"Detect": detected}, cors_origins=("https://app.example",))
    preflight = await client.options(
        "/api/detect",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-requestid",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    answer = await client.post(
        "/api/detect", json={"image": IMAGE}, headers={"Origin": "https://app.example"}
    )
    assert answer.headers["access-control-expose-headers"].lower() == "x-requestid"
    stranger = await client.post(
        "/api/detect", json={"image": IMAGE}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in stranger.headers
