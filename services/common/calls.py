"""One log line per call, carrying the caller's request id (Regula's X-RequestID, forwarded as metadata)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc

from libs.call_context import MAX_FACES_METADATA_KEY, call_deadline, call_face_limit
from libs.errors import InvalidRequestError, VisageError
from libs.observability.tracing import REQUEST_ID_KEY
from libs.tenants import DEFAULT_TENANT, TENANT_METADATA_KEY, valid_tenant

# Client-chosen text goes into logs: bounded, and through %r so it cannot forge extra lines.
_MAX_LOGGED_CHARS = 128

_log = logging.getLogger("visage.calls")


@dataclass
class CallRecord:
    """What the handler wants in the call's log line (e.g. "faces=3")."""

    outcome: str = ""


def _metadata(context: grpc.aio.ServicerContext, name: str) -> str | None:
    for key, value in context.invocation_metadata() or ():
        if key == name:
            return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None


def request_id(context: grpc.aio.ServicerContext) -> str:
    """The `x-request-id` metadata value, or "" when the caller sent none."""
    return _metadata(context, REQUEST_ID_KEY) or ""


def tenant(context: grpc.aio.ServicerContext) -> str:
    """The caller's tenant (`visage-tenant` metadata, set by the gateway from the API key).

    Absent: `DEFAULT_TENANT`, since inside the mTLS mesh only the gateway and tests call. Malformed:
    InvalidRequestError, so call it inside `logged_call` and the error table answers INVALID_ARGUMENT."""
    value = _metadata(context, TENANT_METADATA_KEY)
    return DEFAULT_TENANT if value is None else valid_tenant(value)


def face_limit(context: grpc.aio.ServicerContext) -> int | None:
    """The caller's key's face limit (`visage-max-faces` metadata, set by the gateway), None without one."""
    value = _metadata(context, MAX_FACES_METADATA_KEY)
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise InvalidRequestError(
            f"{MAX_FACES_METADATA_KEY} metadata must be a positive integer, not {value[:20]!r}"
        )
    return int(value)


@contextmanager
def logged_call(context: grpc.aio.ServicerContext, method: str, tag: str = "") -> Iterator[CallRecord]:
    """Log the call's end (outcome or refusal) with its request id, tag and duration; the work inside is
    bounded by the caller's deadline and its key's face limit (`libs.call_context`)."""
    rid, tag = request_id(context)[:_MAX_LOGGED_CHARS], tag[:_MAX_LOGGED_CHARS]
    started = time.perf_counter()
    record = CallRecord()
    try:
        with call_deadline(context.time_remaining()), call_face_limit(face_limit(context)):
            yield record
    except VisageError as error:
        elapsed = (time.perf_counter() - started) * 1e3
        _log.info(
            "%s request_id=%r tag=%r refused in %.1f ms: %s: %s",
            method, rid, tag, elapsed, type(error).__name__, error.message,
        )  # fmt: skip
        raise
    except Exception:
        _log.error("%s request_id=%r tag=%r failed", method, rid, tag)  # the traceback follows from libs.rpc
        raise
    else:
        elapsed = (time.perf_counter() - started) * 1e3
        _log.info("%s request_id=%r tag=%r %s in %.1f ms", method, rid, tag, record.outcome, elapsed)
