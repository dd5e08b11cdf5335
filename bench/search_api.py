"""Identification through the gateway for the search benchmark: groups, enrolment, POST /api/search.

The platform runs matching (descriptors), identification and the gateway as real processes over mTLS, with
its stores under a folder the benchmark owns: SQLite, a photo folder, and the given Milvus (server or Lite).
The synthetic descriptors get their SQL rows from `bench/search_sql.py`. The orphan scan of the reconciler is
pushed out of the run: it walks every stored vector, background work that would compete with the timed
searches on two cores.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import BenchSettings
from bench.common import percentile
from bench.deployment import bench_platform

BACKENDS = ("matching", "identification")
ENROL_CLIENTS = 4


def sql_database(workdir: Path) -> Path:
    """The identification service's SQLite file (there once the service has started)."""
    return workdir / "identification" / "identification.db"


def platform_environment(workdir: Path, vectors_url: str, collection: str) -> dict[str, str]:
    prefix = "VISAGE_IDENTIFICATION_"
    return {
        f"{prefix}STORES__DATA_DIR": str(sql_database(workdir).parent),
        f"{prefix}STORES__VECTORS_URL": vectors_url,
        f"{prefix}STORES__COLLECTION": collection,
        f"{prefix}ORPHAN_SCAN_PERIOD_SECONDS": str(10**9),
        f"{prefix}LOG_LEVEL": "WARNING",
    }


@contextmanager
def identification_api(
    settings: BenchSettings, workdir: Path, vectors_url: str, collection: str
) -> Iterator[str]:
    """The API root URL (`.../api`) of a platform with identification on these stores."""
    environment = platform_environment(workdir, vectors_url, collection)
    with bench_platform(settings, BACKENDS, extra_environment=environment) as platform:
        yield platform.api_url


def _b64(photo: Path) -> str:
    return base64.b64encode(photo.read_bytes()).decode()


def create_groups(api: str, count: int) -> list[str]:
    with httpx.Client(timeout=60.0) as client:
        ids = []
        for i in range(count):
            answer = client.post(f"{api}/groups", json={"name": f"bench group {i}", "metadata": {}})
            answer.raise_for_status()
            ids.append(answer.json()["id"])
        return ids


async def _enrol_all(
    api: str, people: Sequence[tuple[str, Path, Sequence[str]]], clients: int
) -> tuple[list[str], float]:
    """Create each person and add their photo, `clients` at a time; (person ids, seconds)."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(people)):
        queue.put_nowait(i)
    person_ids = [""] * len(people)
    async with httpx.AsyncClient(timeout=120.0) as client:

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                name, photo, groups = people[i]
                created = await client.post(f"{api}/persons", json={"name": name, "groups": list(groups)})
                created.raise_for_status()
                person_ids[i] = created.json()["id"]
                added = await client.post(
                    f"{api}/persons/{person_ids[i]}/images", json={"image": {"content": _b64(photo)}}
                )
                added.raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return person_ids, time.perf_counter() - start


def enrol(
    api: str, people: Sequence[tuple[str, Path, Sequence[str]]], clients: int = ENROL_CLIENTS
) -> tuple[list[str], float]:
    return asyncio.run(_enrol_all(api, people, clients))


def delete_persons(api: str, person_ids: Sequence[str]) -> None:
    with httpx.Client(timeout=60.0) as client:
        for person_id in person_ids:
            client.delete(f"{api}/persons/{person_id}").raise_for_status()


@dataclass(frozen=True)
class ApiSearchFigures:
    p50_ms: float
    p99_ms: float
    rank1: float  # the expected person came first
    rank1_queries: int
    timed_queries: int


def measure_api_search(
    api: str,
    probes: Sequence[tuple[Path, str, str]],
    filtered: bool,
    budget_seconds: float,
    min_queries: int = 30,
    threshold: float | None = None,
) -> ApiSearchFigures:
    """POST /api/search with each probe photo (path, expected person id, its group id), one at a time: a
    warm-up pass that also checks rank-1, then timed passes; each part stops after half the time budget once
    it has `min_queries` queries."""
    bodies = [
        (
            {"image": {"content": _b64(photo)}, "limit": 10}
            | ({"groupIds": [group]} if filtered else {})
            | ({"threshold": threshold} if threshold is not None else {}),
            person,
        )
        for photo, person, group in probes
    ]
    with httpx.Client(timeout=60.0) as client:

        def search(body: dict[str, object]) -> list[dict[str, object]]:
            answer = client.post(f"{api}/search", json=body)
            answer.raise_for_status()
            return answer.json().get("persons", [])

        hits = checked = 0
        deadline = time.monotonic() + budget_seconds / 2
        for body, person in bodies:
            if checked >= min_queries and time.monotonic() > deadline:
                break
            found = search(body)
            hits += bool(found and found[0].get("id") == person)
            checked += 1
        times: list[float] = []
        deadline = time.monotonic() + budget_seconds / 2
        while len(times) < min_queries or time.monotonic() < deadline:
            for body, _ in bodies:
                start = time.perf_counter()
                search(body)
                times.append((time.perf_counter() - start) * 1000)
                if len(times) >= min_queries and time.monotonic() > deadline:
                    break
    return ApiSearchFigures(percentile(times, 50), percentile(times, 99), hits / checked, checked, len(times))
