"""What a caller's call carries down to the work it causes (context variables, set once per call by the
service's call wrapper, `services.common.calls.logged_call`):

- its deadline, so work stops when nobody waits for its answer any more. The gateway gives every backend call
  a deadline (`call_timeout_seconds`); gRPC hands the rest of it to the service. Each store and
  service-to-service call then waits `bounded(its own timeout)` at most.
- its API key's face limit: the most faces reported per image (`capped`), so a key may be held below the
  detector's own cap of 100.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from libs.errors import DeadlineExceededError

T = TypeVar("T")

# Monotonic time by which the current call must be answered; None = no deadline (tests, background jobs).
_deadline: ContextVar[float | None] = ContextVar("visage_call_deadline", default=None)


@contextmanager
def call_deadline(seconds_left: float | None) -> Iterator[None]:
    """Work inside the block is bounded by `seconds_left` (None: by nothing)."""
    token = _deadline.set(None if seconds_left is None else time.monotonic() + seconds_left)
    try:
        yield
    finally:
        _deadline.reset(token)


def bounded(timeout: float) -> float:
    """`timeout`, cut to what is left of the call's deadline; `DeadlineExceededError` when nothing is left."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceededError("the call's deadline passed before this step could start")
    return min(timeout, left)


def past_deadline() -> bool:
    """True when the call's deadline has passed (so a timeout was the caller's, not the store's)."""
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() >= deadline


async def within_deadline(call: Coroutine[Any, Any, T], what: str, timeout: float | None = None) -> T:
    """Await `call` for at most `timeout` (None: no limit of its own) and what is left of the call's deadline.

    `DeadlineExceededError` when the deadline ran out (before or during the call), `TimeoutError` when
    `timeout` did."""
    try:
        limit = bounded(math.inf if timeout is None else timeout)
    except DeadlineExceededError:
        call.close()  # never started
        raise
    if math.isinf(limit):
        return await call
    try:
        return await asyncio.wait_for(call, limit)
    except TimeoutError:
        if past_deadline():
            raise DeadlineExceededError(f"{what}: the call's deadline passed") from None
        raise


# gRPC metadata the gateway sends a key's face limit in (absent: no limit of the key's own).
MAX_FACES_METADATA_KEY = "visage-max-faces"
# The most faces reported per image for the current call; None = every face the detector found.
_max_faces: ContextVar[int | None] = ContextVar("visage_call_max_faces", default=None)


@contextmanager
def call_face_limit(max_faces: int | None) -> Iterator[None]:
    token = _max_faces.set(max_faces)
    try:
        yield
    finally:
        _max_faces.reset(token)


def face_limit_metadata() -> tuple[tuple[str, str], ...]:
    """The call's face limit as gRPC metadata, for a service that asks another to find faces for it."""
    limit = _max_faces.get()
    return () if limit is None else ((MAX_FACES_METADATA_KEY, str(limit)),)


def capped(faces: Sequence[T]) -> Sequence[T]:
    """The first faces of `faces` (in the order the caller ranks them) within the call's face limit."""
    limit = _max_faces.get()
    return faces if limit is None else faces[:limit]
