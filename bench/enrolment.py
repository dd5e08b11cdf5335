"""Enrolment through REST against its model bound, and where the CPU of each enrolled photo goes.

The platform runs matching, identification (embedded stores: SQLite, a photo folder, Milvus Lite) and the
gateway as real processes over mTLS. 4 clients create a person and add one photo each (the single-face photos
of the labelled identities of `shared/faces`), after a warm-up of 12. Next to it: the same photos through
decode + detect + describe on a `FaceEngine` in this process, 4 threads (the model bound; the two alternate
round by round). During the REST rounds the CPU time (user + system) of every process, this benchmark's own
HTTP client included, is read from the OS: on a machine whose cores they share, the non-model CPU per photo
is what keeps the REST rate below the bound.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import psutil

from bench import BenchSettings
from bench.common import method_of, ratio
from bench.deployment import bench_platform
from bench.faceset import identified, load_labels
from bench.search import describe_rate
from bench.search_api import BACKENDS, ENROL_CLIENTS, delete_persons, enrol, platform_environment
from bench.section import Section
from libs.faces import FaceEngine

PHOTOS = 160
WARM_UP = 12
ROUNDS = 3


def _cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    def of(pid: int) -> float:
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system

    return {name: of(pid) for name, pid in pids.items()}


def run(settings: BenchSettings) -> Section:
    engine = FaceEngine.create(settings.models, settings.inference_settings())
    photos = [p for group in identified(load_labels(settings.faces_dir)).values() for p in group][:PHOTOS]
    rest_rates, bound_rates = [], []
    cpu: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="visage-bench-") as tmp:
        workdir = Path(tmp)
        environment = platform_environment(workdir, f"milvus-lite:///{workdir / 'milvus.db'}", "bench")
        with bench_platform(settings, BACKENDS, extra_environment=environment) as platform:
            api = platform.api_url
            warm, _ = enrol(api, [(f"warm-up {i}", p.file, ()) for i, p in enumerate(photos[:WARM_UP])])
            delete_persons(api, warm)
            pids = {name: process.pid for name, process in platform.processes.items()}
            pids["benchmark client"] = psutil.Process().pid
            for round_ in range(ROUNDS):
                people = [(f"round {round_} {i}", p.file, ()) for i, p in enumerate(photos)]
                before = _cpu_seconds(pids)
                person_ids, seconds = enrol(api, people)
                after = _cpu_seconds(pids)
                rest_rates.append(len(photos) / seconds)
                for name in pids:
                    cpu.setdefault(name, []).append((after[name] - before[name]) / len(photos) * 1000)
                delete_persons(api, person_ids)
                bound_rates.append(describe_rate(engine, photos, ENROL_CLIENTS))
    rest, bound = statistics.median(rest_rates), statistics.median(bound_rates)
    section = Section(
        "enrolment",
        "Enrolment through REST against its model bound",
        f"{method_of(__doc__)} {len(photos)} photos per round, {ROUNDS} rounds; medians.",
    )
    section.table(
        ["measure", "REST", "in process", "ratio"],
        [[f"photos/s ({ENROL_CLIENTS} clients)", f"{rest:.1f}", f"{bound:.1f}", ratio(rest, bound)]],
    )
    section.table(
        ["process", "CPU ms per enrolled photo"],
        [[name, f"{statistics.median(values):.1f}"] for name, values in cpu.items()],
        title="CPU per enrolled photo",
    )
    section.highlight(
        f"{rest:.1f} photos/s enrolled through REST with {ENROL_CLIENTS} clients, {ratio(rest, bound)}× the "
        "descriptor rate in process"
    )
    return section
