"""The 1:1 match workload several benchmarks drive: two 640×480 photos, through REST or in process.

Concurrency is driven the same way on both sides: N concurrent clients (httpx async) against the gateway,
N threads calling `libs.usecases.match_faces` on one `FaceEngine` in process.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from bench import BenchSettings
from bench.common import photo_jpeg
from libs.config import ImageLimits
from libs.faces import FaceEngine
from libs.usecases import MatchImage, MatchRequest, match_faces
from libs.usecases.match import DEFAULT_LIMIT_PER_IMAGE_TYPE

PHOTOS = (
    "face_recognition/examples/obama-1080p.jpg",
    "face_recognition/examples/knn_examples/test/obama1.jpg",
)
SIZE = (640, 480)


@dataclass(frozen=True)
class MatchWorkload:
    photos: tuple[bytes, ...]  # JPEG
    engine: FaceEngine

    @classmethod
    def create(cls, settings: BenchSettings, engine: FaceEngine) -> MatchWorkload:
        return cls(tuple(photo_jpeg(settings.faces_dir / photo, *SIZE) for photo in PHOTOS), engine)

    @property
    def body(self) -> dict[str, object]:
        """The JSON of POST /api/match."""
        return {"images": [{"data": base64.b64encode(photo).decode()} for photo in self.photos]}

    def in_process(self) -> object:
        request = MatchRequest(images=[MatchImage(data=photo) for photo in self.photos])
        result = match_faces(self.engine, request, ImageLimits(), DEFAULT_LIMIT_PER_IMAGE_TYPE)
        assert len(result.results) == 1
        return result


@dataclass(frozen=True)
class Rate:
    requests_per_second: float
    latencies_ms: list[float]


async def _gateway_rate(url: str, body: dict[str, object], clients: int, per_client: int) -> Rate:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=120.0, limits=httpx.Limits(max_connections=clients)) as client:

        async def one_client(record: bool) -> None:
            for _ in range(per_client):
                start = time.perf_counter()
                answer = await client.post(url, json=body)
                answer.raise_for_status()
                if record:
                    latencies.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(one_client(False) for _ in range(clients)))  # open the connections
        start = time.perf_counter()
        await asyncio.gather(*(one_client(True) for _ in range(clients)))
        return Rate(clients * per_client / (time.perf_counter() - start), latencies)


def gateway_rate(url: str, body: dict[str, object], clients: int, per_client: int) -> Rate:
    """Requests per second (and each request's latency) of `clients` concurrent HTTP clients."""
    return asyncio.run(_gateway_rate(url, body, clients, per_client))


def library_rate(call: Callable[[], object], clients: int, per_client: int) -> Rate:
    """Calls per second (and each call's latency) of `clients` threads calling `call`."""

    def timed(_: int) -> float:
        start = time.perf_counter()
        call()
        return (time.perf_counter() - start) * 1000

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(timed, range(clients)))  # start the threads
        start = time.perf_counter()
        latencies = list(pool.map(timed, range(clients * per_client)))
        return Rate(clients * per_client / (time.perf_counter() - start), latencies)
