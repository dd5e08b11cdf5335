"""Inference off the event loop: the face engine and the small bounded thread pool it runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from libs.config import InferenceSettings, ModelSettings
from libs.errors import UnavailableError
from libs.faces import FaceEngine

T = TypeVar("T")


class InferenceRunner:
    """Runs `work(engine)` on `workers` threads, so the event loop keeps answering health checks and calls.

    The engine is loaded on the same pool (`load`) or handed in (tests share one); calls before that are
    refused with UnavailableError rather than queued.
    """

    def __init__(self, workers: int, engine: FaceEngine | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inference")
        self._engine = engine

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    async def load(self, models: ModelSettings, inference: InferenceSettings) -> None:
        loop = asyncio.get_running_loop()
        self._engine = await loop.run_in_executor(self._pool, FaceEngine.create, models, inference)

    async def run(self, work: Callable[[FaceEngine], T]) -> T:
        engine = self._engine
        if engine is None:
            raise UnavailableError("the face models are still loading, retry shortly")
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, engine)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
