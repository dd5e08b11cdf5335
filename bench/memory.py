"""Resident memory of each process of the platform, idle and under load, next to a bare process's.

The platform (detection, matching, liveness, gateway; the identification service too, on its embedded
stores, when it starts) runs with its default settings. "Idle" is the resident set size (RSS) after start
and one warm-up request of each kind; "under load" samples every process's RSS every 0.2 s while 8 concurrent
clients send POST /api/match and POST /api/detect (and POST /api/search on an empty gallery) for a fixed
time, and reports the median and the peak of the samples. The limit beside each process is a fresh
interpreter that holds only what that process cannot do without (see the note below the table).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil

from bench import BenchSettings
from bench.common import method_of, ratio
from bench.deployment import bench_platform
from bench.search_api import platform_environment
from bench.section import Section
from bench.workload import MatchWorkload
from libs.faces import Capability, FaceEngine, model_names
from services.detection import service as detection_service
from services.launcher import Platform
from services.liveness import service as liveness_service
from services.matching import service as matching_service

CLIENTS = 8
WITH_IDENTIFICATION = ("detection", "matching", "liveness", "identification")
WITHOUT_IDENTIFICATION = ("detection", "matching", "liveness")
SAMPLE_SECONDS = 0.2
MODEL_SERVICES = {
    "detection": detection_service.USES,
    "matching": matching_service.USES,
    "liveness": liveness_service.USES,
}
_BARE_VECTORS = (
    "import asyncio, tempfile; from libs.stores.factory import StoreSettings, open_vectors; "
    "d = tempfile.mkdtemp(); "
    "asyncio.run(open_vectors(StoreSettings(vectors_url=f'milvus-lite:///{d}/m.db', collection='c')))"
)
# Idle MiB of the same platform before each service loaded only its own models (commit 087a10f: every model
# service loaded YuNet, SFace and both MiniFASNets), measured the same way on this machine.
BEFORE_PER_SERVICE_ENGINES = {"detection": 427, "matching": 426, "liveness": 420, "identification": 282}


def _bare_engine(uses: frozenset[Capability]) -> str:
    """A bare process that loads, through `FaceEngine`, the models of `uses` and nothing else (and, as the
    services do, takes no transparent huge pages and hands the heap freed while loading back to the OS)."""
    capabilities = ", ".join(f"Capability.{capability.name}" for capability in sorted(uses))
    return (
        "from bench import BenchSettings; from libs.faces import Capability, FaceEngine; "
        "from services.common.memory import disable_transparent_huge_pages, release_free_heap; "
        "disable_transparent_huge_pages(); s = BenchSettings(); "
        # Held in a name: an engine dropped at once would free its sessions before the RSS is read.
        f"engine = FaceEngine.create(s.models, s.inference_settings(), {{{capabilities}}}); "
        "release_free_heap()"
    )


def _limits(settings: BenchSettings) -> dict[str, tuple[str, str]]:
    """Per process: what the smallest process doing the same job must hold (description, code of it)."""
    limits = {
        name: (f"its models only ({', '.join(model_names(uses, settings.models))})", _bare_engine(uses))
        for name, uses in MODEL_SERVICES.items()
    }
    limits["gateway"] = ("its libraries imported", "import grpc, httpx, starlette, uvicorn")
    limits["identification"] = ("an empty Milvus Lite open", _BARE_VECTORS)
    return limits


def _rss_mb(pid: int) -> float:
    """RSS of the process and its children (a service that forks counts whole), in MiB."""
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += child.memory_info().rss
    return total / 2**20


def _bare_rss_mb(code: str) -> float:
    """RSS of a fresh interpreter once it has run `code` (it waits on stdin so it can be measured)."""
    script = f"{code}\nimport sys; print('ready', flush=True); sys.stdin.read()"
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stdin is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the bare process failed: {code}")
        time.sleep(0.5)
        rss = _rss_mb(process.pid)
        process.stdin.close()
        process.wait(timeout=30)
    return rss


async def _load(api_url: str, bodies: list[tuple[str, dict[str, object]]], seconds: float) -> int:
    deadline = time.monotonic() + seconds
    done = 0
    async with httpx.AsyncClient(timeout=120.0) as client:

        async def one_client(index: int) -> None:
            nonlocal done
            path, body = bodies[index % len(bodies)]
            while time.monotonic() < deadline:
                (await client.post(f"{api_url}/{path}", json=body)).raise_for_status()
                done += 1

        await asyncio.gather(*(one_client(i) for i in range(CLIENTS)))
    return done


def _sample_while(pids: dict[str, int], work: Callable[[], int]) -> tuple[dict[str, list[float]], int]:
    samples: dict[str, list[float]] = {name: [] for name in pids}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for name, pid in pids.items():
                samples[name].append(_rss_mb(pid))
            stop.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        requests = work()
    finally:
        stop.set()
        sampler.join()
    return samples, requests


@contextlib.contextmanager
def _platform(settings: BenchSettings, workdir: Path) -> Iterator[Platform]:
    """The platform with identification (on embedded stores in `workdir`) when it starts, else without."""
    environment = platform_environment(workdir, f"milvus-lite:///{workdir / 'milvus.db'}", "visage_bench")
    environment["VISAGE_LIVENESS_STORES__DATA_DIR"] = str(workdir / "liveness")
    with contextlib.ExitStack() as stack:
        try:
            platform = stack.enter_context(bench_platform(settings, WITH_IDENTIFICATION, None, environment))
        except (RuntimeError, TimeoutError) as error:
            print(f"memory: measuring without identification, which did not start ({error})", flush=True)
            platform = stack.enter_context(
                bench_platform(settings, WITHOUT_IDENTIFICATION, None, environment)
            )
        yield platform


def run(settings: BenchSettings) -> Section:
    engine = FaceEngine.create(settings.models, settings.inference_settings())
    workload = MatchWorkload.create(settings, engine)
    del engine  # only the photos are needed; the bench process is not measured
    detect_body = {"image": base64.b64encode(workload.photos[0]).decode()}
    bodies: list[tuple[str, dict[str, object]]] = [("match", workload.body), ("detect", detect_body)]
    seconds = 30.0 if settings.bench_full else 10.0
    with (
        tempfile.TemporaryDirectory(prefix="visage-bench-") as workdir,
        _platform(settings, Path(workdir)) as platform,
    ):
        if "identification" in platform.processes:
            bodies.append(("search", {"image": {"content": detect_body["image"]}, "limit": 10}))
        for path, body in bodies:
            httpx.post(f"{platform.api_url}/{path}", json=body, timeout=120.0).raise_for_status()
        pids = {name: process.pid for name, process in platform.processes.items()}
        time.sleep(1.0)
        idle = {name: _rss_mb(pid) for name, pid in pids.items()}
        samples, requests = _sample_while(pids, lambda: asyncio.run(_load(platform.api_url, bodies, seconds)))
    limits = _limits(settings)
    codes = {limits[name][1] for name in pids if name in limits}
    bare = {code: _bare_rss_mb(code) for code in sorted(codes)}

    section = Section(
        "memory",
        "Resident memory per process",
        f"{method_of(__doc__)} Load: {seconds:.0f} s, {requests} requests, {CLIENTS} clients; default "
        "inference workers.",
    )
    rows = []
    for name in pids:
        median_load, peak = statistics.median(samples[name]), max(samples[name])
        what, code = limits.get(name, ("a bare interpreter", "pass"))
        limit = bare[code] if code in bare else _bare_rss_mb(code)
        rows.append(
            [
                name,
                str(BEFORE_PER_SERVICE_ENGINES.get(name, "")),
                f"{idle[name]:.0f}",
                f"{median_load:.0f}",
                f"{peak:.0f}",
                what,
                f"{limit:.0f}",
                ratio(idle[name], limit),
                ratio(peak, limit),
            ]
        )
    section.table(
        [
            "process",
            "idle MiB before",
            "idle MiB",
            "load median MiB",
            "load peak MiB",
            "limit",
            "limit MiB",
            "idle ratio",
            "peak ratio",
        ],
        rows,
    )
    section.note(
        "Before: idle MiB of the platform at commit 087a10f, when every model service loaded all four "
        "models (one warm-up request each, measured the same way on this machine)."
    )
    section.note(
        "Limits: a fresh interpreter that does only this: loads the models of that service through "
        "`FaceEngine` (detection, matching, liveness), imports grpcio, httpx, Starlette and uvicorn "
        "(gateway), opens an empty "
        "Milvus Lite collection (identification; Milvus Lite runs as a child process, counted with its "
        "parent)."
    )
    total_idle, total_peak = sum(idle.values()), sum(max(v) for v in samples.values())
    section.highlight(
        f"whole platform {total_idle:.0f} MiB idle, {total_peak:.0f} MiB at peak under {CLIENTS} clients; "
        + ", ".join(f"{row[0]} {row[7]}× its limit idle" for row in rows)
    )
    return section
