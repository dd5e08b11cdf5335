"""Run every RPC handler of an aio server inside an async context manager (a "guard").

The error mapping and the concurrency limit are both guards, so the handler-wrapping plumbing for the four
RPC shapes lives here once.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import grpc

# Called with the full method name ("/package.Service/Method") and the call's context.
Guard = Callable[[str, grpc.aio.ServicerContext], AbstractAsyncContextManager[None]]
_Enter = Callable[[grpc.aio.ServicerContext], AbstractAsyncContextManager[None]]


class GuardInterceptor(grpc.aio.ServerInterceptor):
    """Wraps each call's handler in `guard(call_details, context)`."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        # The wrapped handler of each method, built on its first call: the same for every later call, as the
        # handlers a servicer registers never change (and building one per call cost every call).
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        method = handler_call_details.method
        handler = self._handlers.get(method)
        if handler is None:
            inner = await continuation(handler_call_details)
            if inner is None:  # unknown method: gRPC answers UNIMPLEMENTED itself
                return None
            handler = self._handlers[method] = _guarded(inner, functools.partial(self._guard, method))
        return handler


def _guarded(handler: Any, enter: _Enter) -> grpc.RpcMethodHandler:
    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(_unary(handler.unary_unary, enter), **codecs)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(_unary(handler.stream_unary, enter), **codecs)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(_streaming(handler.unary_stream, enter), **codecs)
    return grpc.stream_stream_rpc_method_handler(_streaming(handler.stream_stream, enter), **codecs)


def _unary(behavior: Callable[..., Any], enter: _Enter) -> Callable[..., Awaitable[Any]]:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with enter(context):
            result = behavior(request, context)
            return await result if inspect.isawaitable(result) else result

    return call


def _streaming(behavior: Callable[..., Any], enter: _Enter) -> Callable[..., AsyncIterator[Any]]:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        async with enter(context):
            result = behavior(request, context)
            if hasattr(result, "__aiter__"):
                async for item in result:
                    yield item
            elif inspect.isawaitable(result):  # a coroutine that answers through context.write()
                await result
            elif result is not None:
                for item in result:
                    yield item

    return call
