"""The service's background jobs: the reconciler (a light pass every period, a full orphan scan and a
compaction of the vector index, when vectors were deleted, less often) and the re-describer (a pass every
period; it only works when images of another descriptor model exist)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from libs.identification import Reconciler
from libs.identification.redescribe import Redescriber

_log = logging.getLogger(__name__)


class BackgroundJob:
    """A loop run as one task from `start` until `stop` cancels it; subclasses write `_run`."""

    name = "identification-job"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        raise NotImplementedError


class ReconcileLoop(BackgroundJob):
    name = "identification-reconciler"

    def __init__(
        self,
        reconciler: Reconciler,
        period_seconds: float,
        full_scan_seconds: float,
        compaction_seconds: float,
    ) -> None:
        super().__init__()
        self._reconciler = reconciler
        self._period = period_seconds
        self._full_scan = full_scan_seconds
        self._compaction = compaction_seconds

    async def _run(self) -> None:
        # The first full scan and compaction wait a whole interval: startup stays light.
        last_full = last_compaction = time.monotonic()
        while True:
            await asyncio.sleep(self._period)
            full = time.monotonic() - last_full >= self._full_scan
            try:
                await self._reconciler.run(full=full)
            except Exception:  # never let one bad pass end the loop
                _log.exception("reconciler pass failed")
            if full:
                last_full = time.monotonic()
            if time.monotonic() - last_compaction >= self._compaction:
                if await self._reconciler.compact_vectors():
                    _log.info("vector index compaction started (vectors were deleted)")
                last_compaction = time.monotonic()


class RedescribeLoop(BackgroundJob):
    name = "identification-redescriber"

    def __init__(self, redescriber: Redescriber, period_seconds: float) -> None:
        super().__init__()
        self._redescriber = redescriber
        self._period = period_seconds

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._period)
            try:
                await self._redescriber.run()
            except Exception:  # a pass that met an outage: the next one goes on from where it is
                _log.exception("re-describe pass failed")
