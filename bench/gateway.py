"""What the REST gateway, gRPC and mTLS add to POST /api/match, against the same work done in process.

Starts detection, matching and the gateway as real processes (real certificates, loopback), then times
`POST /api/match` with two 640×480 photos against `libs.usecases.match_faces` on a `FaceEngine` in this
process (decode + detect + describe + compare, the matching service's own work). Latency: medians, the two
timed alternately so a busy machine slows both alike. Throughput: 8 concurrent clients (httpx async) against
8 threads calling the library, in alternating rounds; the matching service gets 8 inference workers too, so
both sides run up to 8 matches at once (its default of 1 worker would measure its queue, not the gateway).
"""

from __future__ import annotations

import asyncio
import base64
import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import httpx

from bench import BenchSettings
from certs.generate import generate
from libs.config import ImageLimits
from libs.faces import FaceEngine
from libs.usecases import MatchImage, MatchRequest, match_faces
from libs.usecases.match import DEFAULT_LIMIT_PER_IMAGE_TYPE
from services.launcher import LauncherSettings, running_platform

PHOTOS = (
    "face_recognition/examples/obama-1080p.jpg",
    "face_recognition/examples/knn_examples/test/obama1.jpg",
)
SIZE = (640, 480)
WARM_UP = 5
CLIENTS = 8
REQUESTS_PER_CLIENT = 6
THROUGHPUT_ROUNDS = 3  # alternating, median of each side
TARGET_OVERHEAD = 0.15
QUIET = "WARNING"  # the services' and the gateway's per-request log lines would drown the table


def _jpeg_640x480(path: Path) -> bytes:
    """The photo centre-cropped to 4:3 and resized to 640×480, JPEG quality 90."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    height, width = image.shape[:2]
    crop_w, crop_h = min(width, height * 4 // 3), min(height, width * 3 // 4)
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    resized = cv2.resize(image[top : top + crop_h, left : left + crop_w], SIZE, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _paired_medians(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[float, float]:
    for _ in range(WARM_UP):
        first()
        second()
    first_times, second_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        first()
        middle = time.perf_counter()
        second()
        second_times.append(time.perf_counter() - middle)
        first_times.append(middle - start)
    return statistics.median(first_times) * 1000, statistics.median(second_times) * 1000


async def _gateway_throughput(url: str, body: dict[str, object]) -> float:
    async with httpx.AsyncClient(timeout=120.0) as client:

        async def one_client() -> None:
            for _ in range(REQUESTS_PER_CLIENT):
                answer = await client.post(url, json=body)
                answer.raise_for_status()

        await one_client()  # warm the connection pool
        start = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
        return CLIENTS * REQUESTS_PER_CLIENT / (time.perf_counter() - start)


def _library_throughput(call: Callable[[], object]) -> float:
    with ThreadPoolExecutor(CLIENTS) as pool:
        start = time.perf_counter()
        list(pool.map(lambda _: call(), range(CLIENTS * REQUESTS_PER_CLIENT)))
        return CLIENTS * REQUESTS_PER_CLIENT / (time.perf_counter() - start)


def run(settings: BenchSettings) -> None:
    photos = [_jpeg_640x480(settings.faces_dir / photo) for photo in PHOTOS]
    inference = settings.inference_settings()
    engine = FaceEngine.create(settings.model_settings(), inference)
    request = MatchRequest(images=[MatchImage(data=photo) for photo in photos])
    limits = ImageLimits()

    def in_process() -> object:
        result = match_faces(engine, request, limits, DEFAULT_LIMIT_PER_IMAGE_TYPE)
        assert len(result.results) == 1
        return result

    body = {"images": [{"data": base64.b64encode(photo).decode()} for photo in photos]}
    threads = str(inference.intra_op_threads)
    environment = {
        f"VISAGE_{name}_{key}": value
        for name in ("DETECTION", "MATCHING")
        for key, value in (("LOG_LEVEL", QUIET), ("INFERENCE__INTRA_OP_THREADS", threads))
    } | {"VISAGE_GATEWAY_LOG_LEVEL": QUIET, "VISAGE_MATCHING_INFERENCE_WORKERS": str(CLIENTS)}
    with tempfile.TemporaryDirectory() as certs_dir:
        generate(Path(certs_dir), services=("detection", "matching"))
        launcher = LauncherSettings(
            certs_dir=Path(certs_dir),
            gateway_port=_free_port(),
            ports={"detection": _free_port(), "matching": _free_port()},
        )
        with running_platform(launcher, environment) as platform, httpx.Client(timeout=120.0) as client:
            url = f"{platform.api_url}/match"

            def through_gateway() -> object:
                answer = client.post(url, json=body)
                answer.raise_for_status()
                return answer

            gateway_ms, library_ms = _paired_medians(through_gateway, in_process, settings.bench_runs)
            rounds = [
                (asyncio.run(_gateway_throughput(url, body)), _library_throughput(in_process))
                for _ in range(THROUGHPUT_ROUNDS)
            ]
        gateway_rps = statistics.median(gateway for gateway, _ in rounds)
        library_rps = statistics.median(library for _, library in rounds)

    overhead = gateway_ms / library_ms - 1
    print(
        f"POST /api/match, two {SIZE[0]}x{SIZE[1]} JPEGs, one face each; {inference.intra_op_threads} threads"
    )
    print(f"latency: median of {settings.bench_runs} runs after {WARM_UP} warm-up runs, alternating")
    requests = CLIENTS * REQUESTS_PER_CLIENT
    print(
        f"throughput: {CLIENTS} concurrent clients, {requests} requests, median of {THROUGHPUT_ROUNDS} rounds"
    )
    print()
    header = f"{'measure':<22} {'gateway':>10} {'in-process':>11} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    print(f"{'latency ms (median)':<22} {gateway_ms:10.2f} {library_ms:11.2f} {gateway_ms / library_ms:6.2f}")
    print(
        f"{'throughput req/s':<22} {gateway_rps:10.2f} {library_rps:11.2f} {gateway_rps / library_rps:6.2f}"
    )
    verdict = "within" if overhead <= TARGET_OVERHEAD else "OVER"
    print(f"\nlatency overhead {overhead:+.1%}: {verdict} the target of +{TARGET_OVERHEAD:.0%}")
