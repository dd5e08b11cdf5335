"""Inference off the event loop: the face engine and the small bounded thread pool it runs on.

With metrics, the runner reports how many calls wait for a thread and run on one, and each engine step
(detect, describe, liveness, traits) as a span and a `model_seconds` observation.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from functools import partial, wraps
from typing import Any, TypeVar, cast

from libs.errors import UnavailableError
from libs.faces import Capability, FaceEngine
from libs.observability.metrics import ServiceMetrics
from libs.observability.tracing import span
from services.common.memory import release_free_heap
from services.common.settings import ModelServiceSettings

T = TypeVar("T")
# The FaceEngine methods that run models; each is one step in the metrics and one span.
ENGINE_STEPS = ("detect", "describe", "liveness", "traits")


class InferenceRunner:
    """Runs `work(engine)` on `workers` threads, so the event loop keeps answering health checks and calls.

    The engine is created on the same pool (`load`) or handed in (tests share one); calls before that are
    refused with UnavailableError rather than queued.
    """

    def __init__(
        self,
        workers: int,
        engine: FaceEngine | None = None,
        create: Callable[[], FaceEngine] | None = None,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inference")
        self._metrics = metrics
        self._engine = None if engine is None else self._observed(engine)
        self._create = create

    @classmethod
    def for_service(
        cls,
        settings: ModelServiceSettings,
        uses: Collection[Capability],
        engine: FaceEngine | None = None,
        metrics: ServiceMetrics | None = None,
    ) -> InferenceRunner:
        """A runner that loads the models of `uses` from the service's settings (or runs `engine`)."""
        create = partial(FaceEngine.create, settings.models, settings.inference, frozenset(uses))
        return cls(settings.inference_workers, engine, create, metrics)

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    async def load(self) -> None:
        """Create the engine on the pool (model files are read and sessions built off the event loop)."""
        if self._engine is None and self._create is not None:
            engine = await asyncio.get_running_loop().run_in_executor(self._pool, self._create)
            self._engine = self._observed(engine)
            release_free_heap()

    async def run(self, work: Callable[[FaceEngine], T]) -> T:
        engine = self._engine
        if engine is None:
            raise UnavailableError("the face models are still loading, retry shortly")
        # In the caller's context, as asyncio.to_thread does: the work sees the call's face limit
        # (libs.call_context) and trace, which run_in_executor alone would not carry into the worker thread.
        call_context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        metrics = self._metrics
        if metrics is None:
            return await loop.run_in_executor(self._pool, call_context.run, work, engine)
        # Whoever pops the ticket first, the thread starting the work or the caller cancelled while it waited,
        # takes the call off the queue (list.pop is atomic, so exactly one of them does).
        queued = [metrics.inference_queued]

        def leave_queue() -> None:
            with contextlib.suppress(IndexError):
                queued.pop().dec()

        def on_thread() -> T:
            leave_queue()
            with metrics.inference_running.track_inprogress():
                return work(engine)

        metrics.inference_queued.inc()
        try:
            return await loop.run_in_executor(self._pool, call_context.run, on_thread)
        finally:
            leave_queue()

    def _observed(self, engine: FaceEngine) -> FaceEngine:
        return engine if self._metrics is None else cast(FaceEngine, _ObservedEngine(engine, self._metrics))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> InferenceRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _ObservedEngine:
    """A FaceEngine whose model steps are timed and traced; everything else passes through."""

    def __init__(self, engine: FaceEngine, metrics: ServiceMetrics) -> None:
        self._engine = engine
        for step in ENGINE_STEPS:
            setattr(self, step, _timed_step(getattr(engine, step), step, metrics))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def _timed_step(method: Callable[..., T], step: str, metrics: ServiceMetrics) -> Callable[..., T]:
    name = f"engine.{step}"

    @wraps(method)
    def timed(*args: Any, **kwargs: Any) -> T:
        with span(name):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                metrics.model_step(step, time.perf_counter() - started)

    return timed
