"""Helpers every benchmark shares: timing with medians, percentiles, test photos, ports, the machine.

Timing rule of the whole bench: warm up, then time many runs and report the median; when a figure has a limit
(raw onnxruntime, in-process, exact search), time the two alternately, one call each per round, so a busy
shared machine slows both alike and the ratio stays meaningful.
"""

from __future__ import annotations

import datetime
import os
import platform
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import cv2

WARM_UP = 5


def median_ms(call: Callable[[], object], runs: int, warm_up: int = WARM_UP) -> float:
    """Median wall time of `call` in milliseconds over `runs` runs after `warm_up` untimed ones."""
    return statistics.median(times_ms(call, runs, warm_up))


def times_ms(call: Callable[[], object], runs: int, warm_up: int = WARM_UP) -> list[float]:
    """Every run's wall time in milliseconds, after `warm_up` untimed runs."""
    for _ in range(warm_up):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def paired_medians(
    first: Callable[[], object], second: Callable[[], object], runs: int, warm_up: int = WARM_UP
) -> tuple[float, float]:
    """Medians in milliseconds of two calls timed alternately, one of each per round."""
    for _ in range(warm_up):
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


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between order statistics."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(value: float, limit: float) -> str:
    """`value / limit` formatted for a table; "n/a" when the limit is zero."""
    return f"{value / limit:.2f}" if limit else "n/a"


def photo_jpeg(path: Path, width: int, height: int, top: float = 0.5, quality: int = 90) -> bytes:
    """The photo cropped to the aspect ratio of width×height and resized, as JPEG.

    `top` places the crop vertically: 0.5 centres it, 0.1 keeps the upper part (where a portrait's head is).
    """
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"cannot read the benchmark photo {path}")
    src_h, src_w = image.shape[:2]
    crop_w = min(src_w, round(src_h * width / height))
    crop_h = min(src_h, round(crop_w * height / width))
    left, upper = (src_w - crop_w) // 2, max(0, int(top * (src_h - crop_h)))
    resized = cv2.resize(
        image[upper : upper + crop_h, left : left + crop_w], (width, height), interpolation=cv2.INTER_AREA
    )
    ok, data = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()


def method_of(doc: str | None) -> str:
    """A benchmark module's docstring without its first line, as one paragraph: the report's method text."""
    body = (doc or "").split("\n\n", 1)[-1]
    return " ".join(body.split())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kib = next(int(line.split()[1]) for line in info if line.startswith("MemTotal:"))
        return kib / 2**20
    except (OSError, StopIteration):
        return float("nan")


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_revision(root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


VERSIONED = (
    "onnxruntime",
    "opencv-python-headless",
    "numpy",
    "grpcio",
    "uvicorn",
    "pymilvus",
    "milvus-lite",
    "milvus",
)


@dataclass(frozen=True)
class Machine:
    """Where and when a benchmark ran: enough to tell whether two reports can be compared."""

    cpu: str
    cores: int
    usable_cores: int
    memory_gib: float
    load_average: tuple[float, float, float]
    python: str
    revision: str
    date: str
    versions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def describe(cls, root: Path) -> Machine:
        return cls(
            cpu=_cpu_model(),
            cores=os.cpu_count() or 1,
            usable_cores=usable_cores(),
            memory_gib=round(_memory_gib(), 1),
            load_average=tuple(round(x, 2) for x in os.getloadavg()),  # type: ignore[arg-type]
            python=platform.python_version(),
            revision=_git_revision(root),
            date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            versions={name: _version(name) for name in VERSIONED},
        )

    def lines(self) -> list[str]:
        load = ", ".join(f"{x:.2f}" for x in self.load_average)
        versions = ", ".join(f"{name} {version}" for name, version in self.versions.items())
        return [
            f"machine: {self.cpu}, {self.cores} cores ({self.usable_cores} usable), "
            f"{self.memory_gib} GiB RAM",
            f"load average at start (1, 5, 15 min): {load}",
            f"Python {self.python}; {versions}",
            f"Visage revision {self.revision}; {self.date}",
        ]
