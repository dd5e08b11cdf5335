"""The gateway's ASGI app: discovered REST routes in front of the gRPC backends, plus its own routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import grpc
from google.protobuf.message import Message
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gateway.admin import AdminRoutes
from gateway.audit import target_ids
from gateway.auth import Authorizer, Caller
from gateway.discovery import Backend, Endpoint
from gateway.docs import docs_page
from gateway.errors import EXCEPTION_HANDLERS, REQUEST_ID_HEADER, MethodNotAllowedError
from gateway.health import HealthRoutes
from gateway.observability import RequestObserver
from gateway.openapi import openapi_document
from gateway.render import JSON, Rendered, render_response
from gateway.routing import RouteTable
from gateway.rules import accesses_needed, image_count, required_access
from gateway.settings import GatewaySettings
from gateway.static_routes import static_routes
from gateway.transcode import build_request, read_body
from libs.auth.keys import KeyLimitValues
from libs.auth.limits import KeyLimits
from libs.call_context import MAX_FACES_METADATA_KEY
from libs.observability.metrics import GatewayMetrics
from libs.observability.tracing import outgoing_call
from libs.rpc import error_from_rpc
from libs.tenants import TENANT_METADATA_KEY

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
# Bodies this large are parsed in a worker thread, so one big upload does not stall every other request.
PARSE_IN_THREAD_BYTES = 1024 * 1024
_log = logging.getLogger(__name__)


class Gateway:
    """The per-process state: backends, route table, metrics. One per app; no module-level state."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.backends = tuple(Backend(name, address, settings) for name, address in settings.backends.items())
        self.table = RouteTable(self.backends)
        self.health = HealthRoutes(settings, self.backends)
        self.metrics = GatewayMetrics()
        limits = KeyLimits(
            KeyLimitValues(
                settings.key_requests_per_second,
                settings.key_max_concurrent,
                settings.key_max_images_per_request,
                settings.key_max_faces_per_image,
            )
        )
        self.auth = Authorizer(settings.require_api_keys, limits)
        self.admin = AdminRoutes(self.auth, self.backends, settings.call_timeout_seconds)
        self._openapi: tuple[tuple[Endpoint, ...], dict[str, Any]] | None = None

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.settings.tls.read()  # a missing certificate stops the start here, with the file named
        async with AsyncExitStack() as stack:
            await self.auth.open(stack, self.settings.keys)
            if not self.settings.require_api_keys:
                _log.warning(
                    "API KEYS ARE OFF (require_api_keys=false): every request on %s:%d acts as tenant"
                    " 'default' with every scope. For development on this machine only.",
                    self.settings.host,
                    self.settings.port,
                )
            tasks = [asyncio.create_task(backend.discover_until_done()) for backend in self.backends]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await asyncio.gather(*(backend.close() for backend in self.backends))

    async def dispatch(self, request: Request) -> Response:
        """Every /api/... path that is not the gateway's own: one backend call."""
        path = request.url.path
        if path in OWN_API_PATHS:
            raise MethodNotAllowedError(f"{request.method} is not allowed on {path}; allowed: GET", ("GET",))
        endpoint, variables = self.table.resolve(request.method, path)
        route = endpoint.route
        request.state.route = route.template
        request.state.targets = variables | target_ids(request.query_params.multi_items())
        # Who calls is settled before the body is read: a refused request costs no upload.
        caller = await self.auth.caller(request, required_access(route.rpc))
        async with self.auth.admitted(caller):
            body = b""
            if route.rule.body:
                limit = self.settings.max_body_bytes
                body = await read_body(request.stream(), request.headers.get("content-length"), limit)
            query = request.query_params.multi_items()
            if len(body) > PARSE_IN_THREAD_BYTES:
                message = await asyncio.to_thread(build_request, route, variables, query, body)
            else:
                message = build_request(route, variables, query, body)
            self.auth.check(caller, accesses_needed(route.rpc, message))
            self.auth.check_images(caller, image_count(message))
            response = await self._call(endpoint, message, caller)
        rendered = render_response(route.rule, route.success_status, response)
        if isinstance(rendered.body, dict) and "id" in rendered.body:  # what a create made, for the audit
            request.state.targets["id"] = rendered.body["id"]
        return http_response(rendered)

    async def _call(self, endpoint: Endpoint, message: Message, caller: Caller | None) -> Message:
        rpc = endpoint.route.rpc
        with outgoing_call(f"{rpc.containing_service.full_name}/{rpc.name}") as forwarded:
            metadata = list(forwarded)  # the request id and the trace context
            if caller is not None:
                metadata.append((TENANT_METADATA_KEY, caller.tenant))
                if (max_faces := self.auth.faces_per_image(caller)) is not None:
                    metadata.append((MAX_FACES_METADATA_KEY, str(max_faces)))
            try:
                return await endpoint.call(
                    message, timeout=self.settings.call_timeout_seconds, metadata=tuple(metadata)
                )
            except grpc.aio.AioRpcError as error:
                raise error_from_rpc(error) from error

    def openapi(self) -> dict[str, Any]:
        endpoints = self.table.endpoints()
        if self._openapi is None or self._openapi[0] != endpoints:
            routes = [endpoint.route for endpoint in endpoints]
            self._openapi = (
                endpoints,
                openapi_document(routes, self.settings.app_name, self.settings.version),
            )
        return self._openapi[1]

    async def openapi_json(self, request: Request) -> Response:
        request.state.route = "/api/openapi.json"
        return JSONResponse(self.openapi())

    async def docs(self, request: Request) -> Response:
        request.state.route = "/api/docs"
        return HTMLResponse(docs_page(self.openapi()))

    async def metrics_endpoint(self, request: Request) -> Response:
        request.state.route = "/metrics"
        body, media_type = self.metrics.exposition()
        return Response(body, media_type=media_type)


OWN_API_PATHS = ("/api/healthz", "/api/readyz", "/api/readiness", "/api/openapi.json", "/api/docs")


def http_response(rendered: Rendered) -> Response:
    if rendered.body is None:
        return Response(status_code=rendered.status)
    if rendered.media_type == JSON:
        return JSONResponse(rendered.body, status_code=rendered.status)
    return Response(rendered.body, status_code=rendered.status, media_type=rendered.media_type)


def create_app(settings: GatewaySettings) -> Starlette:
    gateway = Gateway(settings)
    routes = [
        Route("/api/healthz", gateway.health.healthz, methods=["GET"]),
        Route("/api/readyz", gateway.health.readyz, methods=["GET"]),
        Route("/api/readiness", gateway.health.readiness, methods=["GET"]),
        Route("/api/openapi.json", gateway.openapi_json, methods=["GET"]),
        Route("/api/docs", gateway.docs, methods=["GET"]),
        Route("/metrics", gateway.metrics_endpoint, methods=["GET"]),
        # /liveness/...: the <visage-liveness> element and its demo page; /console: the web console
        *static_routes(console=settings.console),
        *gateway.admin.routes(),  # /api/admin/...: keys and tenants
        Route("/api/{rest:path}", gateway.dispatch, methods=ALL_METHODS),
    ]
    middleware = [Middleware(RequestObserver, metrics=gateway.metrics)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=ALL_METHODS,
                allow_headers=["*"],
                expose_headers=[REQUEST_ID_HEADER],
            )
        )
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=gateway.lifespan,
    )
    app.state.gateway = gateway
    return app
