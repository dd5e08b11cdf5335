"""The shared gRPC server: overload refusal, graceful stop, error mapping across the wire, reflection."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from libs import errors
from libs.rpc import RpcServer, ServerSettings, TLSFiles, create_server, error_from_rpc, secure_channel, serve
from libs.rpc.status import RESULT_CODE_KEY

pytestmark = pytest.mark.integration

SERVICE = "visage.test.v1.TestService"


class SleepyServicer:
    """Raw-bytes methods: Sleep(b"<seconds>") answers b"done"; Raise(b"<ErrorClass>") raises it."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def sleep(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        self.started.set()
        await asyncio.sleep(float(request))
        return b"done"

    async def raise_error(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        name = request.decode()
        error_class = getattr(errors, name, None)
        if error_class is None:
            raise RuntimeError(f"secret detail of {name}")
        raise error_class(f"{name} from the handler")

    def register(self, server: grpc.aio.Server) -> None:
        handlers = {
            "Sleep": grpc.unary_unary_rpc_method_handler(self.sleep),
            "Raise": grpc.unary_unary_rpc_method_handler(self.raise_error),
        }
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, handlers)])


async def start(tls: TLSFiles, servicer: SleepyServicer, **settings: float) -> RpcServer:
    rpc = await create_server(ServerSettings(**settings), tls, [servicer.register], [SERVICE])
    await rpc.start()
    await rpc.mark_serving()
    return rpc


@pytest.fixture
def servicer() -> SleepyServicer:
    return SleepyServicer()


@pytest.fixture
async def channel(
    servicer: SleepyServicer, detection_tls: TLSFiles, gateway_tls: TLSFiles
) -> AsyncIterator[grpc.aio.Channel]:
    rpc = await start(detection_tls, servicer, max_concurrent_rpcs=1)
    async with secure_channel(f"127.0.0.1:{rpc.port}", gateway_tls) as channel:
        yield channel
    await rpc.stop(0)


def method(channel: grpc.aio.Channel, name: str) -> grpc.aio.UnaryUnaryMultiCallable:
    return channel.unary_unary(f"/{SERVICE}/{name}")


async def health(channel: grpc.aio.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(), timeout=2)).status


async def test_call_beyond_the_limit_is_refused_at_once_but_health_still_answers(
    channel: grpc.aio.Channel, servicer: SleepyServicer
) -> None:
    first = asyncio.ensure_future(method(channel, "Sleep")(b"1.0", timeout=5))
    await asyncio.wait_for(servicer.started.wait(), 5)

    began = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await method(channel, "Sleep")(b"0", timeout=5)
    refused_after = time.monotonic() - began

    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refused_after < 0.3
    overloaded = error_from_rpc(refused.value)
    assert isinstance(overloaded, errors.OverloadedError)
    assert overloaded.http_status == 503
    # A busy service must not fail its liveness probe.
    assert await health(channel) == health_pb2.HealthCheckResponse.SERVING
    assert await first == b"done"


async def test_domain_error_arrives_as_its_status_and_turns_back_into_itself(
    channel: grpc.aio.Channel,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await method(channel, "Raise")(b"NotFoundError", timeout=5)

    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert caught.value.details() == "NotFoundError from the handler"
    error = error_from_rpc(caught.value)
    assert type(error) is errors.NotFoundError
    assert error.message == "NotFoundError from the handler"
    assert error.http_status == 404


@pytest.mark.parametrize(
    ("name", "http_status", "result_code"),
    [
        # Same gRPC code as any InvalidRequestError; only the class on the wire keeps the 413.
        ("ImageTooLargeError", 413, errors.FaceSDKResultCode.FR_IMAGE_DECODE_ERROR),
        ("EmptyImageError", 400, errors.FaceSDKResultCode.FR_IMAGE_EMPTY),
        ("ModelFileError", 500, errors.FaceSDKResultCode.FACER_IS_NOT_INITIALIZED),
    ],
)
async def test_http_status_and_result_code_survive_the_wire(
    channel: grpc.aio.Channel, name: str, http_status: int, result_code: errors.FaceSDKResultCode
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await method(channel, "Raise")(name.encode(), timeout=5)

    assert dict(caught.value.trailing_metadata())[RESULT_CODE_KEY] == str(int(result_code))
    error = error_from_rpc(caught.value)
    assert type(error).__name__ == name
    assert (error.http_status, error.result_code) == (http_status, result_code)


async def test_unexpected_exception_is_internal_with_a_generic_message_and_logged(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(grpc.aio.AioRpcError) as caught:
        await method(channel, "Raise")(b"Surprise", timeout=5)

    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert "secret" not in (caught.value.details() or "")
    assert error_from_rpc(caught.value).http_status == 500
    assert any("secret detail of Surprise" in (r.exc_text or "") for r in caplog.records)


async def test_unreachable_server_is_unavailable_error(gateway_tls: TLSFiles) -> None:
    # Port 1 on loopback: nothing listens there.
    async with secure_channel("127.0.0.1:1", gateway_tls) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await health(channel)
    error = error_from_rpc(caught.value)
    assert isinstance(error, errors.UnavailableError)
    assert error.http_status == 503


async def test_reflection_lists_the_services(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    responses = [r async for r in stub.ServerReflectionInfo(iter([request]), timeout=5)]

    names = {s.name for s in responses[0].list_services_response.service}
    assert names == {SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}


async def test_sigterm_reports_not_serving_and_lets_the_call_in_flight_finish(
    servicer: SleepyServicer, detection_tls: TLSFiles, gateway_tls: TLSFiles
) -> None:
    rpc = await start(detection_tls, servicer, grace_seconds=5)
    serving = asyncio.ensure_future(serve(rpc))
    async with secure_channel(f"127.0.0.1:{rpc.port}", gateway_tls) as channel:
        in_flight = asyncio.ensure_future(method(channel, "Sleep")(b"0.5", timeout=5))
        await asyncio.wait_for(servicer.started.wait(), 5)
        while signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # serve() has not installed its handler
            await asyncio.sleep(0.01)

        began = time.monotonic()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.1)
        with pytest.raises(grpc.aio.AioRpcError) as late:
            await health(channel)

        assert late.value.code() == grpc.StatusCode.UNAVAILABLE
        assert await in_flight == b"done"
        await asyncio.wait_for(serving, 5)
        assert time.monotonic() - began < 2  # ended when the call did, not after the whole grace period
    check = await rpc.health.Check(health_pb2.HealthCheckRequest(), None)
    assert check.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_second_server_on_a_taken_port_fails_instead_of_sharing_it(detection_tls: TLSFiles) -> None:
    first = await create_server(ServerSettings(), detection_tls, [], [SERVICE])
    try:
        with pytest.raises(OSError, match="cannot listen"):
            await create_server(ServerSettings(port=first.port), detection_tls, [], [SERVICE])
    finally:
        await first.stop(0)
