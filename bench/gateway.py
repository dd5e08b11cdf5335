"""What the REST gateway, gRPC and mTLS add to POST /api/match, against the same work done in process.

Starts detection, matching and the gateway as real processes (real certificates, loopback), then times
`POST /api/match` with two 640×480 photos against `libs.usecases.match_faces` on a `FaceEngine` in this
process (decode + detect + describe + compare, the matching service's own work). Latency: medians, the two
timed alternately so a busy machine slows both alike. Throughput: 8 concurrent clients (httpx async) against
8 threads calling the library, in alternating rounds; the matching service gets 8 inference workers too, so
both sides run up to 8 matches at once (its default, a worker per core, would measure its queue instead).
"""

from __future__ import annotations

import asyncio
import base64
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench import BenchSettings
from bench.common import method_of, paired_medians, ratio
from bench.deployment import bench_platform
from bench.section import Section
from bench.workload import MatchWorkload, gateway_rate, library_rate
from libs.auth.keys import KeyLimitValues
from libs.auth.limits import KeyLimits
from libs.auth.scopes import Scope
from libs.auth.store import KeyStoreSettings, open_keyring
from libs.config import ImageLimits
from libs.faces import FaceEngine
from libs.usecases import DetectRequest, detect_faces

CLIENTS = 8
REQUESTS_PER_CLIENT = 6
THROUGHPUT_ROUNDS = 3  # alternating, median of each side
TARGET_OVERHEAD = 0.15
KEY_CHECKS = 20_000


def key_check_microseconds() -> float:
    """What the gateway adds per request for its API key: the keyring lookup (cached record, HMAC, constant-
    time compare) and the key's rate and concurrency limits, in process. The platform above runs with keys
    off, since its clients send none."""

    async def measure() -> float:
        with tempfile.TemporaryDirectory() as folder:
            async with open_keyring(KeyStoreSettings(data_dir=Path(folder))) as keyring:
                unlimited = KeyLimitValues(requests_per_second=10**9, max_concurrent=64)
                _, text = await keyring.create("bench", frozenset({Scope.READ}), limits=unlimited)
                limits = KeyLimits(unlimited)
                start = time.perf_counter()
                for _ in range(KEY_CHECKS):
                    key = await keyring.authenticate(text)
                    async with limits.admitted(key):
                        pass
                return (time.perf_counter() - start) / KEY_CHECKS * 1e6

    return statistics.median(asyncio.run(measure()) for _ in range(3))


def run(settings: BenchSettings) -> Section:
    inference = settings.inference_settings()
    engine = FaceEngine.create(settings.models, inference)
    workload = MatchWorkload.create(settings, engine)
    photos, in_process, body, limits = workload.photos, workload.in_process, workload.body, ImageLimits()

    def detect_in_process() -> object:
        result = detect_faces(engine, DetectRequest(image=photos[0]), limits)
        assert len(result.detections) == 1
        return result

    detect_body = {"image": base64.b64encode(photos[0]).decode()}
    runs = settings.bench_runs
    with bench_platform(settings, workers=CLIENTS) as platform, httpx.Client(timeout=120.0) as client:
        url = f"{platform.api_url}/match"

        def through_gateway() -> object:
            answer = client.post(url, json=body)
            answer.raise_for_status()
            return answer

        def detect_through_gateway() -> object:
            answer = client.post(f"{platform.api_url}/detect", json=detect_body)
            answer.raise_for_status()
            assert len(answer.json()["results"]["detections"]) == 1
            return answer

        gateway_ms, library_ms = paired_medians(through_gateway, in_process, runs)
        detect_gateway_ms, detect_library_ms = paired_medians(detect_through_gateway, detect_in_process, runs)
        rounds = [
            (
                gateway_rate(url, body, CLIENTS, REQUESTS_PER_CLIENT).requests_per_second,
                library_rate(in_process, CLIENTS, REQUESTS_PER_CLIENT).requests_per_second,
            )
            for _ in range(THROUGHPUT_ROUNDS)
        ]
    key_check_us = key_check_microseconds()
    gateway_rps = statistics.median(gateway for gateway, _ in rounds)
    library_rps = statistics.median(library for _, library in rounds)

    overhead = gateway_ms / library_ms - 1
    requests = CLIENTS * REQUESTS_PER_CLIENT
    section = Section(
        "gateway",
        "REST latency against the same work in process",
        f"{method_of(__doc__)} POST /api/detect is timed the same way against "
        f"`libs.usecases.detect_faces` on the first photo. Latency: median of {runs} runs; throughput: "
        f"{CLIENTS} concurrent clients, "
        f"{requests} requests, median of {THROUGHPUT_ROUNDS} rounds; {inference.intra_op_threads} intra-op "
        "threads per session.",
    )
    section.table(
        ["measure", "gateway", "in-process", "ratio"],
        [
            [
                "POST /api/match latency ms",
                f"{gateway_ms:.2f}",
                f"{library_ms:.2f}",
                ratio(gateway_ms, library_ms),
            ],
            [
                "POST /api/detect latency ms",
                f"{detect_gateway_ms:.2f}",
                f"{detect_library_ms:.2f}",
                ratio(detect_gateway_ms, detect_library_ms),
            ],
            [
                f"match throughput req/s ({CLIENTS} clients)",
                f"{gateway_rps:.2f}",
                f"{library_rps:.2f}",
                ratio(gateway_rps, library_rps),
            ],
        ],
    )
    verdict = "within" if overhead <= TARGET_OVERHEAD else "OVER"
    section.note(f"match latency overhead {overhead:+.1%}: {verdict} the target of +{TARGET_OVERHEAD:.0%}.")
    section.note(
        f"API key check and limits, in process (not in the figures above, whose clients send no key): "
        f"{key_check_us:.1f} µs per request, median of 3 runs of {KEY_CHECKS}."
    )
    section.highlight(
        f"POST /api/match {gateway_ms:.1f} ms ({ratio(gateway_ms, library_ms)}× in-process), "
        f"POST /api/detect {detect_gateway_ms:.1f} ms ({ratio(detect_gateway_ms, detect_library_ms)}× "
        "in-process), 640x480 JPEGs"
    )
    return section
