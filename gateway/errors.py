"""THE one place where the gateway turns errors into HTTP answers: Regula's `OperationLog` JSON.

Every failure, whether a backend's `VisageError` (rebuilt by `libs.rpc.error_from_rpc`), a bad request
caught here, or Starlette's own 404/405, leaves as `{"statusCode", "type", "msg", "metadata"}` with the
error's `http_status`. `statusCode` repeats the HTTP status; `metadata.resultCode` carries the Regula
`FaceSDKResultCode` the error stands for, and `metadata.requestId` the request's `X-RequestID`.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from libs.errors import (
    FaceSDKResultCode,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
    UnavailableError,
    VisageError,
)

REQUEST_ID_HEADER = "X-RequestID"

_log = logging.getLogger(__name__)


# Gateway-only errors. Each subclasses the class with its gRPC code, one level down, so that
# `error_from_rpc`, which picks the most general class for a code, never picks one of these.
class RouteNotFoundError(NotFoundError):
    """No route has this path."""

    result_code = FaceSDKResultCode.FACER_COMMAND_IS_NOT_SUPPORTED


class MethodNotAllowedError(InvalidRequestError):
    """The path exists, but not with this HTTP method."""

    http_status = 405
    result_code = FaceSDKResultCode.FACER_COMMAND_IS_NOT_SUPPORTED

    def __init__(self, message: str, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allowed = allowed


class PayloadTooLargeError(InvalidRequestError):
    """The request body is larger than `max_body_bytes`."""

    http_status = 413


class BackendNotReadyError(UnavailableError):
    """The backend is not discovered yet, or does not answer its health check."""


class NotReadyError(UnavailableError):
    """/api/readyz while a backend is not SERVING: 503, which load balancers read as "try another"."""


def operation_log(error: VisageError, request_id: str | None = None, **metadata: Any) -> dict[str, Any]:
    """Regula's OperationLog for `error`."""
    extra: dict[str, Any] = {"resultCode": int(error.result_code), **metadata}
    if request_id:
        extra["requestId"] = request_id
    return {
        "statusCode": error.http_status,
        "type": type(error).__name__,
        "msg": error.message,
        "metadata": extra,
    }


def error_headers(error: VisageError) -> dict[str, str]:
    """The HTTP headers an error's status calls for (RFC 9110: Allow on 405, WWW-Authenticate on 401;
    RFC 6585: Retry-After on 429)."""
    if isinstance(error, MethodNotAllowedError):
        return {"Allow": ", ".join(error.allowed)}
    if isinstance(error, UnauthenticatedError):
        return {"WWW-Authenticate": 'Bearer realm="visage"'}
    if isinstance(error, RateLimitedError):
        return {"Retry-After": str(error.retry_after_seconds)}
    return {}


def error_response(error: VisageError, request_id: str | None = None, **metadata: Any) -> JSONResponse:
    headers = error_headers(error)
    return JSONResponse(
        operation_log(error, request_id, **metadata), status_code=error.http_status, headers=headers
    )


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def handle_visage_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VisageError)
    if exc.http_status >= 500:
        _log.warning(
            "%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc.message
        )
    return error_response(exc, request_id_of(request))


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (no such path, wrong method) in the same format."""
    assert isinstance(exc, HTTPException)
    error: VisageError
    if exc.status_code == 404:
        error = RouteNotFoundError(f"no such endpoint: {request.method} {request.url.path}")
    elif exc.status_code == 405:
        allowed = tuple((exc.headers or {}).get("Allow", "").replace(" ", "").split(","))
        error = MethodNotAllowedError(
            f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}", allowed
        )
    else:
        error = InvalidRequestError(exc.detail)
        error.http_status = exc.status_code
    return error_response(error, request_id_of(request))


def internal_error_response(request_id: str | None) -> JSONResponse:
    """A bug in the gateway: the details are logged by the caller, the client gets a plain 500."""
    return error_response(VisageError("internal error"), request_id)


# Unexpected exceptions are answered by `observability.RequestObserver`, which wraps everything.
EXCEPTION_HANDLERS = {VisageError: handle_visage_error, HTTPException: handle_http_exception}
