"""`python -m bench.soak [--quick]` (`make soak`): faults under load, a long load run, and one table.

1. Starts the platform on real stores (`bench/soak_platform.py`): PostgreSQL, a Milvus server, S3 (moto), the
   four services and the gateway as separate processes, with an API key as a client would use.
2. Runs the API schema run (`bench/api_schema.py`, when present) for its case counts.
3. Steady load: N clients (`bench/soak_load.py`) for the load time, every process's RSS sampled; the slope
   after warm-up says whether memory is flat.
4. Faults under the same load, one after the other: each service and the gateway killed (SIGKILL) and started
   again, PostgreSQL's backends of the run's database terminated, the Milvus server and the S3 server killed
   and started again. Each fault's window lasts until every route it affects has served again.
5. The audit: the load stops, the reconciler gets its periods to finish what the faults interrupted, and
   each store is read directly: every acknowledged write in all three, no orphan, no unfinished row.
6. One table (`bench/soak_report.py` judges) into `bench/results/SOAK.md`; exit 1 if any target failed.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import importlib
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import BenchSettings
from bench.soak_load import (
    ADD_IMAGE,
    CREATE_PERSON,
    DETECT,
    MATCH,
    ROUTES,
    SEARCH,
    MixedLoad,
    one_face_photos,
)
from bench.soak_platform import SERVICES, SoakPlatform, SoakTimings, soak_platform
from bench.soak_report import (
    AuditFindings,
    Fault,
    SoakSummary,
    StoreContents,
    audit,
    memory_trends,
    new_fault,
    render,
    route_latencies,
    tally,
)
from libs.errors import UnavailableError
from libs.identification.reconciler import PHOTO_PREFIXES
from libs.identification.writes import image_id_of_key
from libs.stores.factory import StoreSettings, open_stores

MARK_START, MARK_END = "<!-- soak:start -->", "<!-- soak:end -->"  # REPORT.md splices what is between
IDENTIFICATION = (SEARCH, ADD_IMAGE, CREATE_PERSON)
POSTGRES, MILVUS, S3 = "PostgreSQL backends terminated", "Milvus server", "S3 server"
# What each fault may fail: the routes that reach the broken part. Liveness serves none of the load's routes;
# its recovery is the gateway's readiness.
AFFECTS = {
    "detection": (DETECT,),
    "matching": (MATCH, SEARCH, ADD_IMAGE),
    "liveness": (),
    "identification": IDENTIFICATION,
    "gateway": ROUTES,
    POSTGRES: IDENTIFICATION,
    MILVUS: (SEARCH, ADD_IMAGE),
    S3: (ADD_IMAGE,),
}
SAMPLE_SECONDS = 2.0
RECOVERY_PATIENCE_SECONDS = 180.0
AUDIT_TIMEOUT = 60.0  # seconds per store call of the audit's own reads


@dataclass(frozen=True)
class SoakConfig:
    mode: str
    clients: int
    load_seconds: float  # the steady phase (memory judged after warm-up)
    warm_up_seconds: float
    gap_seconds: float  # steady load before each fault, and after the last
    outage_seconds: float  # how long a killed process stays dead
    schema_examples: int

    @classmethod
    def of(cls, quick: bool) -> SoakConfig:
        if quick:
            return cls("quick", 50, 45, 15, 6, 3, 5)
        return cls("full", 50, 300, 60, 15, 5, 50)


@dataclass
class FaultPlan:
    fault: Fault
    inject: Callable[[], None]
    restore: Callable[[], None]
    hold: float


def fault_plans(platform: SoakPlatform, outage: float) -> list[FaultPlan]:
    def killed(name: str) -> FaultPlan:
        return FaultPlan(
            new_fault(name, AFFECTS[name]),
            lambda: platform.kill(name),
            lambda: platform.platform.restart(name),
            outage,
        )

    terminated = new_fault(POSTGRES, AFFECTS[POSTGRES])

    def terminate() -> None:
        terminated.note = f"{platform.terminate_database_backends()} connections terminated"

    stores = [
        FaultPlan(terminated, terminate, lambda: None, 0.0),
        FaultPlan(
            new_fault(MILVUS, AFFECTS[MILVUS]),
            platform.milvus.kill,
            lambda: platform.milvus.start(timeout=180),
            outage,
        ),
        FaultPlan(new_fault(S3, AFFECTS[S3]), platform.s3.kill, platform.s3.start, outage),
    ]
    return [killed(name) for name in (*SERVICES, "gateway")] + stores


async def _ready(client: httpx.AsyncClient, api_url: str) -> bool:
    try:
        return (await client.get(f"{api_url}/readyz", timeout=2.0)).status_code == 200
    except httpx.HTTPError:
        return False


async def _inject(plan: FaultPlan, load: MixedLoad, api_url: str) -> None:
    """Break, wait, repair; then wait until the platform serves every affected route again on its own."""
    fault = plan.fault
    print(f"  fault at {load.now():.0f} s: {fault.name}", flush=True)
    fault.injected = load.now()
    await asyncio.to_thread(plan.inject)
    await asyncio.sleep(plan.hold)
    await asyncio.to_thread(plan.restore)
    fault.restored = load.now()
    async with httpx.AsyncClient() as client:
        while load.now() - fault.restored < RECOVERY_PATIENCE_SECONDS:
            served = [load.first_success(route, fault.restored) for route in fault.affects]
            fault.first_success = min((at for at in served if at is not None), default=None)
            if all(at is not None for at in served) and await _ready(client, api_url):
                fault.recovered = load.now()
                print(f"    recovered {fault.recovery_seconds:.1f} s after the repair", flush=True)
                return
            await asyncio.sleep(0.5)
    print(f"    NOT recovered within {RECOVERY_PATIENCE_SECONDS:.0f} s", flush=True)


async def _sample_memory(
    platform: SoakPlatform, load: MixedLoad, samples: list[tuple[float, dict[str, float]]]
) -> None:
    while not load.stopping.is_set():
        samples.append((load.now(), await asyncio.to_thread(platform.resident_mib)))
        await asyncio.sleep(SAMPLE_SECONDS)


async def _drive(
    platform: SoakPlatform, load: MixedLoad, config: SoakConfig, plans: list[FaultPlan]
) -> tuple[float, list[tuple[float, dict[str, float]]]]:
    """The load with its phases; (end of the steady phase, memory samples)."""
    samples: list[tuple[float, dict[str, float]]] = []
    clients = asyncio.create_task(load.run(config.clients))
    sampler = asyncio.create_task(_sample_memory(platform, load, samples))
    try:
        print(f"steady load: {config.clients} clients for {config.load_seconds:.0f} s", flush=True)
        await asyncio.sleep(config.load_seconds)
        steady_end = load.now()
        print(f"faults under load ({len(load.outcomes)} requests so far)", flush=True)
        for plan in plans:
            await asyncio.sleep(config.gap_seconds)
            await _inject(plan, load, platform.api_url)
        await asyncio.sleep(config.gap_seconds)
    finally:
        load.stopping.set()
        await asyncio.gather(clients, sampler)
    return steady_end, samples


async def read_stores(settings: StoreSettings) -> StoreContents:
    """Identification's rows, photo keys and vector ids, read from each store directly: with Strong
    consistency (the vectors other processes wrote) and a long timeout (listing a few thousand keys from
    moto on a busy machine took more than the platform's 3 s)."""
    reader = settings.model_copy(update={"vectors_consistency": "Strong", "timeout_seconds": AUDIT_TIMEOUT})
    stores = await open_stores(reader, "identification")
    try:
        images = await stores.database.fetch("SELECT id, person_id, state, object_key FROM images")
        persons = await stores.database.fetch("SELECT id, state FROM persons")
        keys = [key for prefix in PHOTO_PREFIXES async for key in stores.objects.keys(prefix)]
        vector_ids = frozenset([image_id async for image_id in stores.vectors.image_ids()])
    finally:
        await stores.aclose()
    return StoreContents(
        image_rows={row["id"]: (row["person_id"], row["state"], row["object_key"]) for row in images},
        person_rows={row["id"]: row["state"] for row in persons},
        object_keys={key: image_id_of_key(key) for key in keys},
        vector_ids=vector_ids,
    )


async def _audit(platform: SoakPlatform, load: MixedLoad, notes: list[str]) -> AuditFindings:
    """The audit once the reconciler had its chance: it runs every few seconds, removes interrupted adds
    after the grace period and orphans in its full pass. Stores that cannot be read fail the audit."""
    timings = platform.timings
    patience = timings.pending_grace_seconds + 3 * timings.orphan_scan_period_seconds + 30
    began = time.monotonic()
    first: AuditFindings | None = None
    findings = AuditFindings(len(load.images), len(load.persons), error="the stores were never read")
    while time.monotonic() - began < patience:
        try:
            findings = audit(load.persons, load.images, await read_stores(platform.stores))
        except UnavailableError as error:
            findings = dataclasses.replace(findings, error=f"a store could not be read: {error}"[:300])
        first = first or (findings if not findings.error else None)
        if not findings.error and not findings.leaks:
            break
        await asyncio.sleep(5)
    if first is not None and first.leaks:
        left = "none left" if not findings.leaks else f"{findings.leaks} left"
        notes.append(
            f"When the load stopped the stores held {len(first.orphans)} orphans, "
            f"{len(first.incomplete_rows)} rows missing a part, {len(first.unfinished_rows)} unfinished rows "
            f"(what interrupted writes leave); after {time.monotonic() - began:.0f} s of reconciler: {left}."
        )
    return findings


def _api_schema(platform: SoakPlatform, examples: int) -> dict[str, object] | None:
    if importlib.util.find_spec("bench.api_schema") is None:
        return None
    module = importlib.import_module("bench.api_schema")
    print(f"API schema run against {platform.api_url} ({examples} examples per operation)", flush=True)
    try:
        return dict(module.run(platform.api_url, platform.api_key, examples))
    except Exception as error:  # its own failure is a finding, not a reason to skip the soak
        return {"failures": 1, "error": f"{type(error).__name__}: {error}"}


def write_results(settings: BenchSettings, summary: SoakSummary, table: str) -> Path:
    ran = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    failures = summary.failures()
    verdict = "every target met" if not failures else "FAILED: " + "; ".join(failures)
    text = (
        "# Soak: faults under load\n\n"
        f"{MARK_START}\n"
        f"Ran {ran}, {summary.mode} mode ({os.cpu_count()} cores, load average at the end {load}): "
        f"{summary.clients} clients, {summary.load_seconds:.0f} s steady, then {len(summary.faults)} faults "
        f"under the same load; deadline {summary.deadline_seconds:g} s. `make soak` (`python -m bench.soak`; "
        f"`--quick` for a short run). Verdict: {verdict}.\n\n{table}{MARK_END}\n"
    )
    path = settings.bench_results_dir / "SOAK.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _during(at: float, faults: list[Fault]) -> str:
    names = [f.name for f in faults if f.injected <= at <= (f.recovered or f.restored)]
    return "during " + ", ".join(names) if names else "outside every fault"


def soak(settings: BenchSettings, config: SoakConfig) -> int:
    timings = SoakTimings()
    print(f"starting the platform on PostgreSQL, Milvus and S3 ({config.mode} soak)", flush=True)
    with soak_platform(settings, timings) as platform:
        schema = _api_schema(platform, config.schema_examples)
        photos = one_face_photos(platform.api_url, platform.api_key, settings.faces_dir)
        load = MixedLoad(platform.api_url, platform.api_key, photos, timings.deadline_seconds + 15)
        plans = fault_plans(platform, config.outage_seconds)
        steady_end, samples = asyncio.run(_drive(platform, load, config, plans))
        run_end = load.now()
        print(f"audit ({len(load.images)} acknowledged images)", flush=True)
        notes: list[str] = [f"{len(photos)} one-face photos from {settings.faces_dir}."]
        findings = asyncio.run(_audit(platform, load, notes))
    warm_up = min(config.warm_up_seconds, steady_end / 2)
    faults = [plan.fault for plan in plans]
    errors = tally(load.outcomes, faults, run_end)
    notes += [
        f"Unexpected: {o.route} {o.kind} after {o.seconds:.1f} s at {o.started:.0f} s "
        f"({_during(o.started, faults)}): {o.message}"
        for o in errors.unexpected_examples
    ]
    notes += [
        f"Slow failure: {o.route} {o.kind} after {o.seconds:.1f} s at {o.started:.0f} s "
        f"({_during(o.started, faults)}): {o.message[:200]}"
        for o in errors.slowest_failures
    ]
    summary = SoakSummary(
        mode=config.mode,
        clients=config.clients,
        load_seconds=steady_end,
        deadline_seconds=timings.deadline_seconds,
        schema=schema,
        faults=faults,
        tally=errors,
        latencies=route_latencies([o for o in load.outcomes if o.started < steady_end]),
        findings=findings,
        memory=memory_trends([s for s in samples if s[0] < steady_end], warm_up),
        memory_window_seconds=steady_end - warm_up,
        judged_processes=frozenset((*SERVICES, "gateway")),
        notes=notes,
    )
    table = render(summary)
    print(table)
    print(f"wrote {write_results(settings, summary, table)}")
    for failure in summary.failures():
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if summary.failures() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="45 s of steady load instead of 5 minutes")
    parser.add_argument("--clients", type=int, help="concurrent clients (default 50)")
    parser.add_argument("--load-seconds", type=float, help="length of the steady phase")
    args = parser.parse_args(argv)
    config = SoakConfig.of(args.quick)
    if args.clients is not None:
        config = dataclasses.replace(config, clients=args.clients)
    if args.load_seconds is not None:
        config = dataclasses.replace(config, load_seconds=args.load_seconds)
    return soak(BenchSettings(), config)


if __name__ == "__main__":
    sys.exit(main())
