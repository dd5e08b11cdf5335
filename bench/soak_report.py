"""The soak's judgements, kept apart from the running so they can be tested on made-up data.

Rules:
- A request fails *as expected* when it failed with a kind its fault may cause (503 with a message; for the
  gateway also a refused or dropped connection) while that fault was in force for its route: from injection
  until the platform had recovered (every affected route served again). Any other failure is unexpected.
- Failing fast: no failed request may take longer than the platform's deadline (plus a small allowance for
  the client's own queueing); a client-side timeout (deadline + margin) is a hang.
- The audit: every acknowledged write is in all three stores; no object or vector without a row; no row
  without its object or vector; no row left unfinished (`pending`, `deleting`) once the reconciler ran.
- Memory: after warm-up, each platform process's RSS grows by at most the threshold (linear fit, MiB/min).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bench.common import percentile

OK = "ok"
UNAVAILABLE = "503 unavailable"
UNCLEAR_503 = "503 without a message"
REFUSED = "connection refused"
DROPPED = "connection dropped"
HANG = "client timeout (hang)"
GATEWAY = "gateway"
# Beyond the deadline, what a failed answer may take: the client's own event loop and connection queue.
DEADLINE_ALLOWANCE_SECONDS = 2.0
# Flat memory: growth after warm-up of at most max(MIB, FRACTION of the process's median RSS) per minute.
FLAT_MIB_PER_MINUTE = 2.0
FLAT_FRACTION_PER_MINUTE = 0.005
MIN_MEMORY_WINDOW_SECONDS = 120.0  # a shorter window after warm-up is too short to judge a slope


@dataclass(frozen=True)
class Outcome:
    """One request as the client saw it; times in seconds from the start of the run."""

    route: str
    started: float
    seconds: float
    kind: str  # OK or one of the failure kinds above, or "HTTP <status>"
    message: str = ""

    @property
    def failed(self) -> bool:
        return self.kind != OK


@dataclass
class Fault:
    """One injected fault: what it broke, when, and when the platform was whole again."""

    name: str
    affects: frozenset[str]  # routes it may fail (the gateway's: every route)
    expected_kinds: frozenset[str]
    injected: float = 0.0
    restored: float = 0.0
    first_success: float | None = None  # the first affected request served after the repair
    recovered: float | None = None  # every affected route served, and ready; None: not within patience
    note: str = ""

    @property
    def recovery_seconds(self) -> float | None:
        return None if self.recovered is None else self.recovered - self.restored

    def excuses(self, outcome: Outcome, run_end: float) -> bool:
        until = self.recovered if self.recovered is not None else run_end
        overlaps = outcome.started <= until and outcome.started + outcome.seconds >= self.injected
        return overlaps and outcome.route in self.affects and outcome.kind in self.expected_kinds


def new_fault(name: str, affects: Iterable[str]) -> Fault:
    kinds = {UNAVAILABLE} | ({REFUSED, DROPPED} if name == GATEWAY else set())
    return Fault(name, frozenset(affects), frozenset(kinds))


@dataclass(frozen=True)
class RouteLatency:
    route: str
    served: int
    p50_ms: float
    p99_ms: float


def route_latencies(outcomes: Sequence[Outcome]) -> list[RouteLatency]:
    """p50 and p99 of the successful requests of each route."""
    by_route: dict[str, list[float]] = {}
    for outcome in outcomes:
        if not outcome.failed:
            by_route.setdefault(outcome.route, []).append(outcome.seconds * 1000)
    return [
        RouteLatency(route, len(times), percentile(times, 50), percentile(times, 99))
        for route, times in sorted(by_route.items())
    ]


@dataclass(frozen=True)
class ErrorTally:
    served: int
    expected: Counter[str]
    unexpected: Counter[str]
    unexpected_examples: list[Outcome]
    slowest_failures: list[Outcome]  # the five failed requests that took longest, slowest first

    @property
    def slowest_failure_seconds(self) -> float:
        return self.slowest_failures[0].seconds if self.slowest_failures else 0.0

    def fast_enough(self, deadline_seconds: float) -> bool:
        return self.slowest_failure_seconds <= deadline_seconds + DEADLINE_ALLOWANCE_SECONDS


def tally(outcomes: Sequence[Outcome], faults: Sequence[Fault], run_end: float) -> ErrorTally:
    expected: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    examples: list[Outcome] = []
    for outcome in outcomes:
        if not outcome.failed:
            continue
        if any(fault.excuses(outcome, run_end) for fault in faults):
            expected[outcome.kind] += 1
        else:
            unexpected[f"{outcome.kind} on {outcome.route}"] += 1
            if len(examples) < 10:
                examples.append(outcome)
    served = sum(1 for outcome in outcomes if not outcome.failed)
    slowest = sorted((o for o in outcomes if o.failed), key=lambda o: o.seconds, reverse=True)[:5]
    return ErrorTally(served, expected, unexpected, examples, slowest)


@dataclass(frozen=True)
class StoreContents:
    """What the three stores hold for identification, read directly."""

    image_rows: Mapping[str, tuple[str, str, str | None]]  # image id -> (person id, state, object key)
    person_rows: Mapping[str, str]  # person id -> state
    object_keys: Mapping[str, str | None]  # key -> image id of the key (None: not a photo key)
    vector_ids: frozenset[str]


@dataclass(frozen=True)
class AuditFindings:
    images_audited: int
    persons_audited: int
    lost: list[str] = field(default_factory=list)  # acknowledged writes missing from a store
    orphans: list[str] = field(default_factory=list)  # objects or vectors without a row
    incomplete_rows: list[str] = field(default_factory=list)  # rows without their object or vector
    unfinished_rows: list[str] = field(default_factory=list)  # rows still pending or deleting
    error: str = ""  # why the stores could not be audited

    @property
    def leaks(self) -> int:
        return len(self.orphans) + len(self.incomplete_rows) + len(self.unfinished_rows)

    @property
    def clean(self) -> bool:
        return not self.lost and not self.leaks and not self.error


def audit(
    acknowledged_persons: Iterable[str], acknowledged_images: Iterable[tuple[str, str]], stores: StoreContents
) -> AuditFindings:
    persons, images = sorted(set(acknowledged_persons)), sorted(set(acknowledged_images))
    keys_by_image = {image_id: key for key, image_id in stores.object_keys.items() if image_id is not None}
    lost = [f"person {p}: no row" for p in persons if stores.person_rows.get(p) is None]
    for person_id, image_id in images:
        row = stores.image_rows.get(image_id)
        if row is None or row[0] != person_id or row[1] != "ready":
            lost.append(f"image {image_id} of {person_id}: row {row}")
            continue
        if row[2] is not None and row[2] not in stores.object_keys:
            lost.append(f"image {image_id}: object {row[2]} missing")
        if image_id not in stores.vector_ids:
            lost.append(f"image {image_id}: vector missing")
    orphans = [
        f"object {key}" for image_id, key in keys_by_image.items() if image_id not in stores.image_rows
    ]
    orphans += [f"vector {image_id}" for image_id in sorted(stores.vector_ids - stores.image_rows.keys())]
    incomplete, unfinished = [], []
    for image_id, (_, state, key) in sorted(stores.image_rows.items()):
        if state != "ready":
            unfinished.append(f"image {image_id}: {state}")
            continue
        if key is not None and key not in stores.object_keys:
            incomplete.append(f"image {image_id}: no object")
        if image_id not in stores.vector_ids:
            incomplete.append(f"image {image_id}: no vector")
    unfinished += [
        f"person {p}: {state}" for p, state in sorted(stores.person_rows.items()) if state != "ready"
    ]
    return AuditFindings(len(images), len(persons), lost, orphans, incomplete, unfinished)


@dataclass(frozen=True)
class MemoryTrend:
    process: str
    median_mib: float
    slope_mib_per_minute: float

    @property
    def threshold_mib_per_minute(self) -> float:
        return max(FLAT_MIB_PER_MINUTE, FLAT_FRACTION_PER_MINUTE * self.median_mib)

    @property
    def flat(self) -> bool:
        return self.slope_mib_per_minute <= self.threshold_mib_per_minute


def memory_trends(
    samples: Sequence[tuple[float, Mapping[str, float]]], warm_up_until: float
) -> list[MemoryTrend]:
    """Least-squares slope of each process's RSS over the samples taken after warm-up."""
    series: dict[str, tuple[list[float], list[float]]] = {}
    for at, sizes in samples:
        if at < warm_up_until:
            continue
        for name, mib in sizes.items():
            times, values = series.setdefault(name, ([], []))
            times.append(at / 60)
            values.append(mib)
    trends = []
    for name, (times, values) in sorted(series.items()):
        if len(values) < 3:
            continue
        slope = statistics.linear_regression(times, values).slope
        trends.append(MemoryTrend(name, statistics.median(values), slope))
    return trends


@dataclass
class SoakSummary:
    """Everything the final table says."""

    mode: str
    clients: int
    load_seconds: float
    deadline_seconds: float
    schema: Mapping[str, object] | None  # bench.api_schema's counts; None: not run
    faults: list[Fault]
    tally: ErrorTally
    latencies: list[RouteLatency]
    findings: AuditFindings
    memory: list[MemoryTrend]
    memory_window_seconds: float
    judged_processes: frozenset[str]  # whose memory is judged (the platform's own processes)
    notes: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        failed = []
        if self.tally.unexpected:
            failed.append(f"unexpected errors: {dict(self.tally.unexpected)}")
        if not self.tally.fast_enough(self.deadline_seconds):
            failed.append(
                f"a failed request took {self.tally.slowest_failure_seconds:.1f} s "
                f"(deadline {self.deadline_seconds:g} s)"
            )
        failed += [f"{fault.name} did not recover" for fault in self.faults if fault.recovered is None]
        if self.findings.error:
            failed.append(f"audit: {self.findings.error}")
        elif not self.findings.clean:
            failed.append(
                f"audit: {len(self.findings.lost)} lost, {self.findings.leaks} leaked "
                f"({(self.findings.lost + self.findings.orphans + self.findings.incomplete_rows)[:5]})"
            )
        if self.memory_judged:
            failed += [
                f"{trend.process} memory grows {trend.slope_mib_per_minute:.1f} MiB/min"
                for trend in self.memory
                if trend.process in self.judged_processes and not trend.flat
            ]
        if self.schema is not None and _schema_failures(self.schema):
            failed.append(f"API schema run: {dict(self.schema)}")
        return failed

    @property
    def memory_judged(self) -> bool:
        return self.memory_window_seconds >= MIN_MEMORY_WINDOW_SECONDS


def _schema_failures(schema: Mapping[str, object]) -> int:
    """Failed checks plus errors of a `bench.api_schema.run` answer ({"failures": {check: count}, "errors":
    [message], ...}); a run that itself failed comes as {"failures": 1, "error": ...}."""
    failures, errors = schema.get("failures", {}), schema.get("errors", [])
    counted = sum(failures.values()) if isinstance(failures, Mapping) else int(failures or 0)  # type: ignore[arg-type]
    return counted + (len(errors) if isinstance(errors, list) else 0)


def _counts(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{kind}: {count}" for kind, count in sorted(counter.items())) or "none"


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def render(summary: SoakSummary) -> str:
    """The one table (plus the detail tables below it), as Markdown."""
    tally, findings = summary.tally, summary.findings
    recovered = [fault for fault in summary.faults if fault.recovered is not None]
    worst_recovery = max((fault.recovery_seconds or 0.0 for fault in recovered), default=0.0)
    if summary.schema is None:
        schema_row = ("cases generated (API schema run)", "not run", "n/a")
    else:
        schema = summary.schema
        phases = schema.get("cases_by_phase", {})
        failures = schema.get("failures", {})
        schema_row = (
            "cases generated (API schema run)",
            f"{schema.get('cases', '?')} over {schema.get('operations', '?')} operations "
            f"({_counts(phases) if isinstance(phases, Mapping) else phases}); failed checks: "
            f"{_counts(failures) if isinstance(failures, Mapping) else failures}; "
            f"errors: {len(schema.get('errors', []) or [])}"
            + (f" ({schema['error']})" if "error" in schema else ""),
            _verdict(not _schema_failures(schema)),
        )
    faults_value = (
        f"{len(summary.faults)} ({', '.join(fault.name for fault in summary.faults)}); "
        f"{len(recovered)} recovered by themselves, slowest in {worst_recovery:.1f} s"
    )
    judged = [trend for trend in summary.memory if trend.process in summary.judged_processes]
    memory_flat = all(trend.flat for trend in judged)
    steepest = max((trend.slope_mib_per_minute for trend in judged), default=0.0)
    memory_value = (
        f"{sum(1 for trend in judged if not trend.flat)} of {len(judged)} platform processes growing "
        f"(steepest {steepest:+.2f} MiB/min over {summary.memory_window_seconds:.0f} s after warm-up)"
    )
    rows = [
        schema_row,
        ("faults injected", faults_value, _verdict(len(recovered) == len(summary.faults))),
        (
            "requests served",
            f"{tally.served} by {summary.clients} clients "
            f"({summary.load_seconds:.0f} s of steady load, then the faults)",
            "n/a",
        ),
        ("errors, expected (during a fault)", _counts(tally.expected), "n/a"),
        ("errors, unexpected", _counts(tally.unexpected), _verdict(not tally.unexpected)),
        (
            "slowest failed request",
            f"{tally.slowest_failure_seconds:.2f} s (deadline {summary.deadline_seconds:g} s)",
            _verdict(tally.fast_enough(summary.deadline_seconds)),
        ),
        (
            "writes audited",
            f"{findings.images_audited} images of {findings.persons_audited} persons; "
            f"{len(findings.lost)} lost" + (f"; NOT AUDITED: {findings.error}" if findings.error else ""),
            _verdict(not findings.lost and not findings.error),
        ),
        (
            "leaks found",
            f"{len(findings.orphans)} orphans, {len(findings.incomplete_rows)} rows missing a part, "
            f"{len(findings.unfinished_rows)} unfinished rows; memory: {memory_value}",
            _verdict(findings.leaks == 0 and (memory_flat or not summary.memory_judged))
            + ("" if summary.memory_judged else " (memory not judged: window too short)"),
        ),
    ]
    lines = ["| what | measured | verdict |", "|---|---|---|"]
    lines += [f"| {what} | {value} | {verdict} |" for what, value, verdict in rows]
    lines += ["", "| route | served | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    lines += [f"| {r.route} | {r.served} | {r.p50_ms:.0f} | {r.p99_ms:.0f} |" for r in summary.latencies]
    lines += [
        "",
        "| fault | outage s | first success after s | every route served and ready after s | note |",
        "|---|---:|---:|---:|---|",
    ]
    for fault in summary.faults:
        first = "-" if fault.first_success is None else f"{fault.first_success - fault.restored:.1f}"
        recovery = "never" if fault.recovery_seconds is None else f"{fault.recovery_seconds:.1f}"
        outage = fault.restored - fault.injected
        lines.append(f"| {fault.name} | {outage:.1f} | {first} | {recovery} | {fault.note} |")
    lines += [
        "",
        "| process | median RSS MiB | slope MiB/min | flat below | judged |",
        "|---|---:|---:|---:|---|",
    ]
    for trend in summary.memory:
        judged = "yes" if trend.process in summary.judged_processes else "no (a store server)"
        lines.append(
            f"| {trend.process} | {trend.median_mib:.0f} | {trend.slope_mib_per_minute:+.2f} | "
            f"{trend.threshold_mib_per_minute:.2f} | {judged} |"
        )
    if summary.notes:
        lines += ["", *(f"- {note}" for note in summary.notes)]
    return "\n".join(lines) + "\n"
