"""Per request: the X-RequestID, a SERVER span, one access-log line, Prometheus metrics, and a 500 for
gateway bugs.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware) so request bodies stream through untouched.
The span continues a `traceparent` the client sent; the backend calls inside it are its children
(`libs.observability.tracing.outgoing_call`). Its name is "<method> <route template>", known once routed.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.audit import write_audit
from gateway.errors import REQUEST_ID_HEADER, internal_error_response
from libs.observability.logs import bound_request_id
from libs.observability.metrics import GatewayMetrics
from libs.observability.tracing import incoming_context, span, tracing_on

# Forwarded as gRPC metadata, which allows printable ASCII only; anything else is replaced by our own id.
_SAFE_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")
UNMATCHED_ROUTE = "unmatched"
# Probes and scrapes are counted but not traced: every few seconds each, they would drown the requests.
UNTRACED_PATHS = frozenset({"/api/healthz", "/api/readyz", "/api/readiness", "/metrics"})
_access_log = logging.getLogger("gateway.access")
_log = logging.getLogger(__name__)


def request_id_from(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-requestid":
            text = value.decode("latin-1")
            if _SAFE_REQUEST_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


def set_route_label(request: Request, template: str) -> None:
    """Label the request's metrics with a route template (bounded cardinality), not its raw path."""
    request.state.route = template


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_from(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message["headers"] = [*message.get("headers", []), (b"x-requestid", request_id.encode())]
            await send(message)

        method = scope["method"]
        attributes = {"http.request.method": method, "visage.request_id": request_id}
        with (
            bound_request_id(request_id),
            _request_span(scope, method, attributes) as current,
        ):
            try:
                await self.app(scope, receive, send_with_request_id)
            except Exception:
                _log.exception("unexpected error in %s %s [%s]", method, scope["path"], request_id)
                if response_started:
                    raise
                await internal_error_response(request_id)(scope, receive, send_with_request_id)
            finally:
                elapsed = time.perf_counter() - started
                route = state.get("route", UNMATCHED_ROUTE)
                if current.is_recording():
                    current.update_name(f"{method} {route}")
                    current.set_attribute("http.route", route)
                    current.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        current.set_status(Status(StatusCode.ERROR))
                self.metrics.observe(method, route, status, elapsed)
                write_audit(state, method, status)
                client = scope.get("client") or ("-", 0)
                _access_log.info(
                    '%s "%s %s" %d %.1fms %s=%s',
                    client[0],
                    method,
                    scope["path"],
                    status,
                    elapsed * 1000,
                    REQUEST_ID_HEADER,
                    request_id,
                )


def _request_span(scope: Scope, method: str, attributes: dict[str, str]) -> AbstractContextManager[Span]:
    """The request's SERVER span, continuing the W3C trace context headers the client sent (if any)."""
    if scope["path"] in UNTRACED_PATHS or not tracing_on():
        return nullcontext(INVALID_SPAN)
    headers = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope["headers"]
        if name in (b"traceparent", b"tracestate")
    }
    return span(method, SpanKind.SERVER, attributes, incoming_context(headers))
