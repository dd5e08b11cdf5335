"""The outermost guard of every call: its request id bound for logs, its SERVER span, its metrics.

Outermost, so the error mapping's "unexpected error" line carries the request and trace ids too, and the
status recorded is the one the caller receives (the mapping has turned every error into an abort by then).
Health and reflection calls are neither traced nor counted: probes would drown the real traffic.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import grpc
from opentelemetry.trace import SpanKind

from libs.observability.logs import bound_request_id
from libs.observability.tracing import REQUEST_ID_KEY, incoming_context, record_status, span
from libs.rpc._guard import Guard
from libs.rpc.limits import UNLIMITED_SERVICES

# Client-chosen text goes into logs and span attributes: bounded.
MAX_REQUEST_ID_CHARS = 128
_UNOBSERVED = tuple(f"/{name}/" for name in UNLIMITED_SERVICES)


class RpcMetrics(Protocol):
    def rpc_answered(self, rpc: str, code: str, seconds: float) -> None:
        """One call of `rpc` ("Service/Method") ended with status `code` after `seconds`."""


def observing_guard(metrics: RpcMetrics | None) -> Guard:
    @asynccontextmanager
    async def observed(method: str, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        if method.startswith(_UNOBSERVED):
            yield
            return
        started = time.perf_counter()
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        request_id = metadata.get(REQUEST_ID_KEY, "")[:MAX_REQUEST_ID_CHARS]
        rpc = method[1:]  # "/package.Service/Method" -> "package.Service/Method"
        code = grpc.StatusCode.OK
        attributes = {"rpc.system": "grpc", "rpc.method": rpc, "visage.request_id": request_id}
        with (
            bound_request_id(request_id),
            span(rpc, SpanKind.SERVER, attributes, incoming_context(metadata)) as call,
        ):
            try:
                yield
            except grpc.aio.AbortError:  # every error, mapped to its status by `status.mapped_errors`
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            except asyncio.CancelledError:  # the caller went away or its deadline passed
                code = grpc.StatusCode.CANCELLED
                raise
            except BaseException:
                code = grpc.StatusCode.UNKNOWN
                raise
            finally:
                record_status(call, code)
                if metrics is not None:
                    short = rpc.rsplit(".", 1)[-1]  # "MatchingService/Match": the package adds nothing
                    metrics.rpc_answered(short, code.name, time.perf_counter() - started)

    return observed
