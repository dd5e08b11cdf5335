"""Per request: the X-RequestID, one access-log line, Prometheus metrics, and a 500 for gateway bugs.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware) so request bodies stream through untouched.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.audit import write_audit
from gateway.errors import REQUEST_ID_HEADER, internal_error_response

# Forwarded as gRPC metadata, which allows printable ASCII only; anything else is replaced by our own id.
_SAFE_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")
UNMATCHED_ROUTE = "unmatched"
_access_log = logging.getLogger("gateway.access")
_log = logging.getLogger(__name__)


class GatewayMetrics:
    """Request count and latency by route template and status, in a registry of this app's own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter(
            "visage_gateway_requests", "HTTP requests answered", labels, registry=self.registry
        )
        self.latency = Histogram(
            "visage_gateway_request_duration_seconds",
            "Time from request to the end of the response",
            labels,
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)

    async def endpoint(self, request: Request) -> Response:
        """GET /metrics."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


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

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            _log.exception("unexpected error in %s %s [%s]", scope["method"], scope["path"], request_id)
            if response_started:
                raise
            await internal_error_response(request_id)(scope, receive, send_with_request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = state.get("route", UNMATCHED_ROUTE)
            self.metrics.observe(scope["method"], route, status, elapsed)
            write_audit(state, scope["method"], status)
            client = scope.get("client") or ("-", 0)
            _access_log.info(
                '%s "%s %s" %d %.1fms %s=%s',
                client[0],
                scope["method"],
                scope["path"],
                status,
                elapsed * 1000,
                REQUEST_ID_HEADER,
                request_id,
            )
