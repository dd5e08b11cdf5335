"""A `DescriptorSource` that runs the face engine in this process (tests, benchmarks, a single-process setup).

The service itself asks the matching service (`services/identification/descriptors_client.py`)."""

from __future__ import annotations

import asyncio
import threading

from libs.config import ImageLimits
from libs.faces.ports import FaceAnalyzer
from libs.usecases import DescriptorsRequest, DescriptorsResult, compute_descriptors


class EngineDescriptorSource:
    def __init__(self, engine: FaceAnalyzer, model: str, limits: ImageLimits | None = None) -> None:
        self._engine = engine
        self._model = model
        self._limits = limits or ImageLimits()
        # One call at a time: the detector keeps per-call state (input size), and 2 cores gain nothing more.
        self._lock = threading.Lock()

    async def describe(self, request: DescriptorsRequest) -> DescriptorsResult:
        return await asyncio.to_thread(self._describe, request)

    def _describe(self, request: DescriptorsRequest) -> DescriptorsResult:
        with self._lock:
            return compute_descriptors(self._engine, request, self._limits, self._model)
