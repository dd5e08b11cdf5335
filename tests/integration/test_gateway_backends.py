"""The gateway in front of real gRPC servers over mTLS: discovery by reflection, calls, health, failures.

The servers are `libs.rpc.create_server` instances with small servicers; the gateway app runs in process
(with its lifespan, so discovery really happens) and is called through httpx.
"""

from __future__ import annotations

import asyncio
import base64
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import grpc
import httpx
import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from visage.detection.v1 import detection_pb2, detection_pb2_grpc

from gateway.app import create_app
from gateway.settings import GatewaySettings
from libs.auth.store import KeyStoreSettings
from libs.errors import CorruptImageError
from libs.rpc import RpcServer, ServerSettings, TLSFiles, create_server

pytestmark = pytest.mark.integration

DETECTION = "visage.detection.v1.DetectionService"
IMAGE = base64.b64encode(b"\xff\xd8\xff\xe0 jpeg").decode()


class Detection(detection_pb2_grpc.DetectionServiceServicer):
    """Finds one face in anything, except images named by their bytes: b"bad" or b"slow"."""

    def __init__(self) -> None:
        self.metadata: list[dict[str, str]] = []

    async def Detect(self, request: detection_pb2.DetectRequest, context: grpc.aio.ServicerContext):
        self.metadata.append({k: v for k, v in context.invocation_metadata() if isinstance(v, str)})
        if request.image == b"bad":
            raise CorruptImageError("JPEG data is truncated")
        if request.image == b"slow":
            await asyncio.sleep(2)
        response = detection_pb2.DetectResponse(code=0)
        response.results.detections.add(roi=[10, 20, 30, 40]).landmarks.add(x=15, y=25)
        return response


async def start_detection(tls: TLSFiles, servicer: Detection, port: int = 0) -> RpcServer:
    add = partial(detection_pb2_grpc.add_DetectionServiceServicer_to_server, servicer)
    rpc = await create_server(ServerSettings(port=port), tls, [add], [DETECTION])
    await rpc.start()
    await rpc.mark_serving()
    return rpc


@asynccontextmanager
async def gateway(tls: TLSFiles, backends: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    # API keys are off: these tests are about discovery and calls (keys: tests/e2e/test_api_auth.py). The
    # keyring still opens, in a folder of its own, never in the checkout.
    with tempfile.TemporaryDirectory() as keys_dir:
        settings = GatewaySettings(
            backends=backends,
            tls=tls,
            call_timeout_seconds=1.0,
            discovery_retry_seconds=0.05,
            require_api_keys=False,
            keys=KeyStoreSettings(data_dir=Path(keys_dir)),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield client


async def eventually(check: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():  # type: ignore[misc]
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_routes_are_discovered_and_calls_carry_the_request_id(
    detection_tls: TLSFiles, gateway_tls: TLSFiles
) -> None:
    servicer = Detection()
    rpc = await start_detection(detection_tls, servicer)
    try:
        async with gateway(gateway_tls, {"detection": f"127.0.0.1:{rpc.port}"}) as client:
            await eventually(lambda: _status_is(client, "/api/readyz", 200))
            answer = await client.post("/api/detect", json={"image": IMAGE}, headers={"X-RequestID": "abc-1"})
            assert answer.status_code == 200
            assert answer.json()["results"]["detections"] == [
                {"landmarks": [[15.0, 25.0]], "roi": [10, 20, 30, 40]}
            ]
            assert servicer.metadata[-1]["x-request-id"] == "abc-1"

            bad = await client.post("/api/detect", json={"image": base64.b64encode(b"bad").decode()})
            assert bad.status_code == 400 and bad.json()["type"] == "CorruptImageError"
            assert bad.json()["metadata"]["resultCode"] == 6

            slow = await client.post("/api/detect", json={"image": base64.b64encode(b"slow").decode()})
            assert slow.status_code == 504 and slow.json()["type"] == "DeadlineExceededError"
    finally:
        await rpc.stop(0)


async def _status_is(client: httpx.AsyncClient, path: str, status: int) -> bool:
    return (await client.get(path)).status_code == status


async def test_a_backend_that_starts_late_is_discovered_and_one_that_stops_makes_the_gateway_unready(
    detection_tls: TLSFiles, gateway_tls: TLSFiles
) -> None:
    probe = await start_detection(detection_tls, Detection())  # only to find a free port
    port = probe.port
    await probe.stop(0)
    async with gateway(gateway_tls, {"detection": f"127.0.0.1:{port}"}) as client:
        early = await client.post("/api/detect", json={"image": IMAGE})
        assert early.status_code == 503 and "detection" in early.json()["msg"]
        assert (await client.get("/api/readyz")).status_code == 503

        rpc = await start_detection(detection_tls, Detection(), port)
        try:
            await eventually(lambda: _status_is(client, "/api/readyz", 200))
            assert (await client.post("/api/detect", json={"image": IMAGE})).status_code == 200
            await rpc.mark_not_serving()
            not_ready = await client.get("/api/readyz")
            assert not_ready.status_code == 503 and "detection: NOT_SERVING" in not_ready.json()["msg"]
        finally:
            await rpc.stop(0)
        await eventually(lambda: _status_is(client, "/api/readyz", 503))
        down = await client.post("/api/detect", json={"image": IMAGE})
        assert down.status_code == 503 and down.json()["type"] == "UnavailableError"


def echo_service() -> tuple[type, type]:
    """A service the gateway has never seen: its descriptors exist only in this test process."""
    file = descriptor_pb2.FileDescriptorProto(
        name="gatewaytest/echo.proto", package="gatewaytest.v1", syntax="proto3"
    )
    file.dependency.append("google/api/annotations.proto")
    request = file.message_type.add(name="EchoRequest")
    request.field.add(
        name="text", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, json_name="text"
    )
    request.field.add(
        name="times", number=2, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32, json_name="times"
    )
    response = file.message_type.add(name="EchoResponse")
    response.field.add(
        name="texts",
        number=1,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
        label=descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
        json_name="texts",
    )
    method = file.service.add(name="EchoService").method.add(
        name="Echo", input_type=".gatewaytest.v1.EchoRequest", output_type=".gatewaytest.v1.EchoResponse"
    )
    method.options.Extensions[annotations_pb2.http].post = "/api/echo/{text}"
    method.options.Extensions[annotations_pb2.http].body = "*"
    pool = descriptor_pool.Default()
    pool.Add(file)
    return (
        message_factory.GetMessageClass(pool.FindMessageTypeByName("gatewaytest.v1.EchoRequest")),
        message_factory.GetMessageClass(pool.FindMessageTypeByName("gatewaytest.v1.EchoResponse")),
    )


async def test_a_new_annotated_rpc_becomes_a_route_without_gateway_code(
    detection_tls: TLSFiles, gateway_tls: TLSFiles
) -> None:
    request_class, response_class = echo_service()

    async def echo(request, context):  # type: ignore[no-untyped-def]
        return response_class(texts=[request.text] * request.times)

    handler = grpc.unary_unary_rpc_method_handler(
        echo,
        request_deserializer=request_class.FromString,
        response_serializer=response_class.SerializeToString,
    )
    register = [lambda server: server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        "gatewaytest.v1.EchoService", {"Echo": handler})])]  # fmt: skip
    rpc = await create_server(ServerSettings(), detection_tls, register, ["gatewaytest.v1.EchoService"])
    await rpc.start()
    await rpc.mark_serving()
    try:
        async with gateway(gateway_tls, {"echo": f"127.0.0.1:{rpc.port}"}) as client:
            await eventually(lambda: _status_is(client, "/api/readyz", 200))
            answer = await client.post("/api/echo/hi", json={"times": 3})
            assert answer.status_code == 200 and answer.json() == {"texts": ["hi", "hi", "hi"]}
            document = (await client.get("/api/openapi.json")).json()
            assert "times" in document["components"]["schemas"]["gatewaytest.v1.EchoRequest"]["properties"]
    finally:
        await rpc.stop(0)
