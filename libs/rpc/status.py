"""THE mapping between Visage domain errors and gRPC status, in both directions.

Server side, a handler raises a `VisageError`; `mapped_errors` (installed by `create_server` through
`error_interceptor`) turns it into the error's gRPC code and message, and puts the error's class name and its
Regula result code into trailing metadata. Client side, `error_from_rpc` rebuilds the same error class from
that, so the gateway reads `http_status` and `result_code` off it exactly as the service meant them (the gRPC
code alone is ambiguous: INVALID_ARGUMENT is HTTP 400 or 413).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import NoReturn

import grpc

from libs.errors import FaceSDKResultCode, VisageError
from libs.rpc._guard import GuardInterceptor

RESULT_CODE_KEY = "visage-result-code"
ERROR_TYPE_KEY = "visage-error"
# What a client sees for a bug; the details go to the server log only.
INTERNAL_MESSAGE = "internal error"

_log = logging.getLogger(__name__)


def error_metadata(error: VisageError) -> tuple[tuple[str, str], ...]:
    return ((ERROR_TYPE_KEY, type(error).__name__), (RESULT_CODE_KEY, str(int(error.result_code))))


async def abort_with(context: grpc.aio.ServicerContext, error: VisageError) -> NoReturn:
    """End the call with `error`'s status, message and result code."""
    await context.abort(error.grpc_code, error.message, trailing_metadata=error_metadata(error))


@asynccontextmanager
async def mapped_errors(method: str, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
    """Guard for one call: `VisageError` → its status; anything else → INTERNAL, logged with traceback."""
    try:
        yield
    except grpc.aio.AbortError:  # the handler aborted on its own
        raise
    except VisageError as error:
        _log.debug("%s failed: %s: %s", method, type(error).__name__, error.message)
        await abort_with(context, error)
    except Exception:
        _log.exception("unexpected error in %s", method)
        await abort_with(context, VisageError(INTERNAL_MESSAGE))


def error_interceptor() -> grpc.aio.ServerInterceptor:
    return GuardInterceptor(mapped_errors)


def error_from_rpc(err: grpc.RpcError) -> VisageError:
    """The domain error a failed call stands for (client side).

    Uses the error class named in the trailers when it agrees with the status code, otherwise the most
    general class for the code (transport failures such as UNAVAILABLE carry no trailers); a code no class
    claims becomes a plain `VisageError` (INTERNAL, HTTP 500). The original error is kept as `__cause__`.
    """
    if isinstance(err, grpc.aio.AioRpcError | grpc.Call):  # sync channels raise grpc.Call errors
        code, message, trailers = err.code(), err.details() or "", err.trailing_metadata() or ()
    else:
        code, message, trailers = grpc.StatusCode.UNKNOWN, str(err), ()
    metadata = {key: value for key, value in trailers if isinstance(value, str)}

    named = _error_class(lambda cls: cls.__name__ == metadata.get(ERROR_TYPE_KEY))
    error_class = named if named and named.grpc_code == code else _error_class(lambda c: c.grpc_code == code)
    error = (error_class or VisageError)(message or code.name)
    # Kept per instance: the server may know a subclass this client does not. No trailer (a transport
    # failure) or an unknown value leaves the class's own code.
    with suppress(KeyError, ValueError):
        error.result_code = FaceSDKResultCode(int(metadata[RESULT_CODE_KEY]))
    error.__cause__ = err
    return error


def _error_class(matches: Callable[[type[VisageError]], bool]) -> type[VisageError] | None:
    """First match in breadth-first order, so a code maps to its most general class."""
    queue: list[type[VisageError]] = [VisageError]
    while queue:
        cls = queue.pop(0)
        if matches(cls):
            return cls
        queue.extend(cls.__subclasses__())
    return None
