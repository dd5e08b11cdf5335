"""What a failed call raises: the API's refusal (Regula's `OperationLog`, one class per kind of HTTP status)
or an API that cannot be reached."""

from __future__ import annotations

from typing import Any

import httpx


class VisageClientError(Exception):
    """Any failure of a `VisageClient` call."""


class ApiUnreachableError(VisageClientError):
    """No answer: no connection (`request_sent` False: nothing reached the API), or the connection broke or
    timed out after the request went out (after the retries)."""

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.message, self.request_sent = message, request_sent


class ApiError(VisageClientError):
    """The API answered with an error: its HTTP `status`, and the `OperationLog` it sent — `message` (`msg`),
    `error_type` (`type`), `result_code` (Regula's FaceSDKResultCode, `metadata.resultCode`), `metadata`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str,
        path: str,
        error_type: str = "",
        result_code: int | None = None,
        metadata: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{method} {path}: {status} {message}")
        self.status, self.message, self.method, self.path = status, message, method, path
        self.error_type, self.result_code, self.metadata = error_type, result_code, metadata or {}
        self.retry_after = retry_after  # seconds, from `Retry-After` (429)

    @property
    def request_id(self) -> str | None:
        """The request's `X-RequestID`, as the server logged it."""
        return self.metadata.get("requestId")


class BadRequestError(ApiError):
    """400 (and 405, 413, 422): the request cannot be done as sent."""


class UnauthorizedError(ApiError):
    """401: no API key, or not a valid one."""


class ForbiddenError(ApiError):
    """403: the key lacks the scope the route needs."""


class NotFoundError(ApiError):
    """404: no such person, group, image or transaction (in the key's tenant)."""


class RateLimitedError(ApiError):
    """429: over one of the key's limits; `retry_after` says when to try again."""


class ServerError(ApiError):
    """5xx: the platform failed, is not ready (503) or ran out of time (504)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitedError,
}


def error_of(answer: httpx.Response) -> ApiError:
    """The error an unsuccessful answer stands for, from its `OperationLog` body (or its text, when the
    body is something else, e.g. a proxy's page)."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    log: dict[str, Any] = body if isinstance(body, dict) else {}
    metadata = log.get("metadata") if isinstance(log.get("metadata"), dict) else {}
    status = answer.status_code
    kind = _BY_STATUS.get(status) or (ServerError if status >= 500 else BadRequestError)
    retry_after = answer.headers.get("Retry-After")
    return kind(
        status,
        str(log.get("msg") or answer.text or answer.reason_phrase),
        method=answer.request.method,
        path=answer.request.url.path,
        error_type=str(log.get("type", "")),
        result_code=metadata.get("resultCode"),
        metadata=metadata,
        retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
    )
