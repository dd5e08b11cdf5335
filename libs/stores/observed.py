"""Any store adapter, observed: each of its calls is a span, and is reported to a `StoreObserver`.

`observed(kind, store, observer)` wraps every coroutine method of the adapter (and of the transactions a
database opens); other attributes (async iterators such as `keys()`, `link`, properties) pass through.
The factory wraps the stores of a process that gives it an observer (`libs.stores.factory.open_stores`).
A call fails "for the store's sake" when the store is unreachable, slow or broken (UnavailableError,
DeadlineExceededError, anything that is not a domain error), not when it answers about the data
(NotFoundError, a duplicate id): those are the caller's outcome, and no reason to page anyone.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import wraps
from typing import Any, Literal, Protocol, TypeVar, cast

from opentelemetry.trace import SpanKind, Status, StatusCode

from libs.errors import DeadlineExceededError, UnavailableError, VisageError
from libs.observability.tracing import span

StoreKind = Literal["database", "objects", "vectors"]
S = TypeVar("S")


class StoreObserver(Protocol):
    def store_call(self, store: str, operation: str, seconds: float, failed: bool) -> None:
        """One call of `store`'s `operation` took `seconds`; `failed`: for the store's sake."""


def store_fault(error: BaseException) -> bool:
    if not isinstance(error, Exception):  # cancelled: the caller gave up, the store did nothing wrong
        return False
    if isinstance(error, UnavailableError | DeadlineExceededError):
        return True
    return not isinstance(error, VisageError) or type(error) is VisageError


def observed(kind: StoreKind, store: S, observer: StoreObserver, system: str = "") -> S:
    """`store` with every call traced and reported; `system` names the backend ("postgresql", "s3")."""
    return cast(S, _Observed(kind, store, observer, system or type(store).__name__))


class _Observed:
    def __init__(self, kind: StoreKind, store: Any, observer: StoreObserver, system: str) -> None:
        self._kind, self._store, self._observer, self._system = kind, store, observer, system

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if name == "transaction":
            wrapped: Any = self._transaction(attribute)
        elif inspect.iscoroutinefunction(attribute):
            wrapped = self._timed(name, attribute)
        else:
            return attribute  # properties may change: not cached
        setattr(self, name, wrapped)  # built once: later lookups find it without __getattr__
        return wrapped

    def _timed(self, operation: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        name = f"{self._kind}.{operation}"
        attributes = {
            "visage.store": self._kind,
            "db.system.name": self._system,
            "db.operation.name": operation,
        }

        @wraps(call)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            failed = False
            with span(name, SpanKind.CLIENT, attributes) as current:
                try:
                    return await call(*args, **kwargs)
                except BaseException as error:
                    failed = store_fault(error)
                    if failed:
                        current.set_status(Status(StatusCode.ERROR, type(error).__name__))
                    raise
                finally:
                    self._observer.store_call(self._kind, operation, time.perf_counter() - started, failed)

        return timed

    def _transaction(
        self, open_transaction: Callable[[], AbstractAsyncContextManager[Any]]
    ) -> Callable[[], AbstractAsyncContextManager[Any]]:
        @asynccontextmanager
        async def transaction() -> AsyncIterator[Any]:
            async with open_transaction() as session:
                yield _Observed(self._kind, session, self._observer, self._system)

        return transaction
