"""Inference off the event loop: the face engine and the small bounded thread pool it runs on."""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import ctypes.util
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from libs.errors import UnavailableError
from libs.faces import Capability, FaceEngine
from services.common.settings import ModelServiceSettings

T = TypeVar("T")


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
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inference")
        self._engine = engine
        self._create = create

    @classmethod
    def for_service(
        cls, settings: ModelServiceSettings, uses: Collection[Capability], engine: FaceEngine | None = None
    ) -> InferenceRunner:
        """A runner that loads the models of `uses` from the service's settings (or runs `engine`)."""
        create = partial(FaceEngine.create, settings.models, settings.inference, frozenset(uses))
        return cls(settings.inference_workers, engine, create)

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    async def load(self) -> None:
        """Create the engine on the pool (model files are read and sessions built off the event loop)."""
        if self._engine is None and self._create is not None:
            self._engine = await asyncio.get_running_loop().run_in_executor(self._pool, self._create)
            release_free_heap()

    async def run(self, work: Callable[[FaceEngine], T]) -> T:
        engine = self._engine
        if engine is None:
            raise UnavailableError("the face models are still loading, retry shortly")
        # In the caller's context, as asyncio.to_thread does: the work sees the call's face limit
        # (libs.call_context), which run_in_executor alone would not carry into the worker thread.
        call_context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._pool, call_context.run, work, engine)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> InferenceRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def release_free_heap() -> None:
    """Hand the heap freed after loading back to the OS (glibc keeps it otherwise).

    Preparing a model (fp32 weights folded, shapes inferred, the protobuf copied) leaves large freed blocks in
    the heap: matching (YuNet and SFace) held 373 MiB after loading and 206 MiB after this call."""
    name = ctypes.util.find_library("c")
    if name is None:
        return
    libc = ctypes.CDLL(name)
    if hasattr(libc, "malloc_trim"):  # glibc only; elsewhere there is nothing to do
        libc.malloc_trim(0)
