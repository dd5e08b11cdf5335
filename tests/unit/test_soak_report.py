"""The soak's judgements (bench/soak_report.py) on made-up runs: which failures a fault excuses, what the
audit calls lost or leaked, when memory counts as flat, and that the table says FAIL where a target failed."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from bench.soak_report import (
    HANG,
    OK,
    REFUSED,
    UNAVAILABLE,
    AuditFindings,
    Outcome,
    SoakSummary,
    StoreContents,
    audit,
    memory_trends,
    new_fault,
    render,
    route_latencies,
    tally,
)

pytestmark = pytest.mark.unit

SEARCH, DETECT = "POST /api/search", "POST /api/detect"


def a_milvus_outage() -> list:
    fault = new_fault("Milvus server", [SEARCH])
    fault.injected, fault.restored, fault.recovered = 10.0, 15.0, 20.0
    return [fault]


def test_a_503_on_an_affected_route_during_the_outage_is_expected() -> None:
    outcomes = [
        Outcome(SEARCH, 12.0, 0.5, UNAVAILABLE, "vector index: no answer"),
        Outcome(SEARCH, 1.0, 0.2, OK),
    ]
    errors = tally(outcomes, a_milvus_outage(), run_end=60.0)
    assert errors.served == 1
    assert errors.expected == Counter({UNAVAILABLE: 1}) and not errors.unexpected


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome(SEARCH, 30.0, 0.5, UNAVAILABLE, "after recovery"),
        Outcome(DETECT, 12.0, 0.5, UNAVAILABLE, "a route Milvus does not serve"),
        Outcome(SEARCH, 12.0, 0.5, "HTTP 500", "a server error is never expected"),
        Outcome(SEARCH, 12.0, 45.0, HANG, "a hang is never expected"),
        Outcome(SEARCH, 12.0, 0.1, REFUSED, "only the gateway's outage refuses connections"),
    ],
)
def test_other_failures_are_unexpected(outcome: Outcome) -> None:
    errors = tally([outcome], a_milvus_outage(), run_end=60.0)
    assert sum(errors.unexpected.values()) == 1 and errors.unexpected_examples == [outcome]


def test_a_request_that_began_before_the_fault_and_failed_in_it_is_excused() -> None:
    errors = tally([Outcome(SEARCH, 9.0, 2.0, UNAVAILABLE, "x")], a_milvus_outage(), run_end=60.0)
    assert not errors.unexpected


def test_a_failure_slower_than_the_deadline_is_not_fast() -> None:
    errors = tally([Outcome(SEARCH, 12.0, 31.0, UNAVAILABLE, "late")], a_milvus_outage(), run_end=60.0)
    assert not errors.fast_enough(deadline_seconds=15.0) and errors.fast_enough(deadline_seconds=30.0)


def test_latencies_count_only_successes() -> None:
    outcomes = [Outcome(DETECT, 0, s / 1000, OK) for s in range(1, 101)] + [
        Outcome(DETECT, 0, 9, UNAVAILABLE)
    ]
    [detect] = route_latencies(outcomes)
    assert detect.served == 100 and detect.p50_ms == pytest.approx(50.5) and detect.p99_ms < 101


def stores(**changes: object) -> StoreContents:
    contents = {
        "image_rows": {"i1": ("p1", "ready", "tenants/default/persons/p1/i1")},
        "person_rows": {"p1": "ready"},
        "object_keys": {"tenants/default/persons/p1/i1": "i1"},
        "vector_ids": frozenset({"i1"}),
    }
    return StoreContents(**(contents | changes))  # type: ignore[arg-type]


def test_a_write_in_all_three_stores_is_clean() -> None:
    findings = audit(["p1"], [("p1", "i1")], stores())
    assert findings.clean and findings.images_audited == 1 and findings.persons_audited == 1


def test_an_acknowledged_image_missing_its_vector_is_lost() -> None:
    findings = audit(["p1"], [("p1", "i1")], stores(vector_ids=frozenset()))
    assert findings.lost == ["image i1: vector missing"] and not findings.clean


def test_an_acknowledged_image_without_a_row_is_lost() -> None:
    findings = audit(["p1"], [("p1", "i2")], stores())
    assert len(findings.lost) == 1 and "i2" in findings.lost[0]


def test_objects_and_vectors_without_rows_are_orphans() -> None:
    keys = {"tenants/default/persons/p1/i1": "i1", "tenants/default/persons/p1/i9": "i9", "other": None}
    findings = audit(["p1"], [("p1", "i1")], stores(object_keys=keys, vector_ids=frozenset({"i1", "i8"})))
    assert sorted(findings.orphans) == ["object tenants/default/persons/p1/i9", "vector i8"]
    assert not findings.lost


def test_an_unfinished_row_of_an_unacknowledged_add_is_a_leak() -> None:
    rows = {"i1": ("p1", "ready", "tenants/default/persons/p1/i1"), "i3": ("p1", "pending", None)}
    findings = audit(["p1"], [("p1", "i1")], stores(image_rows=rows))
    assert findings.unfinished_rows == ["image i3: pending"] and findings.leaks == 1


def test_an_unacknowledged_but_complete_write_is_no_leak() -> None:
    rows = {"i1": ("p1", "ready", "k1"), "i2": ("p1", "ready", "k2")}
    contents = stores(
        image_rows=rows, object_keys={"k1": "i1", "k2": "i2"}, vector_ids=frozenset({"i1", "i2"})
    )
    assert audit(["p1"], [("p1", "i1")], contents).clean


def test_memory_slope_after_warm_up() -> None:
    # 300 MiB flat while warming up, then +10 MiB a minute: a leak; the other process stays flat.
    samples = [(t, {"matching": 300.0 + max(0.0, t - 60) / 6, "gateway": 80.0}) for t in range(0, 300, 2)]
    trends = {trend.process: trend for trend in memory_trends(samples, warm_up_until=60)}
    assert trends["matching"].slope_mib_per_minute == pytest.approx(10.0) and not trends["matching"].flat
    assert trends["gateway"].flat


def a_summary(findings: AuditFindings, memory_window: float = 240.0) -> SoakSummary:
    faults = a_milvus_outage()
    samples = [(float(t), {"gateway": 80.0 + t / 6}) for t in range(0, 300, 2)]
    return SoakSummary(
        mode="quick",
        clients=50,
        load_seconds=300,
        deadline_seconds=30,
        schema=None,
        faults=faults,
        tally=tally([Outcome(SEARCH, 12.0, 0.5, UNAVAILABLE, "m")], faults, 60.0),
        latencies=[],
        findings=findings,
        memory=memory_trends(samples, 60),
        memory_window_seconds=memory_window,
        judged_processes=frozenset({"gateway"}),
    )


def test_the_table_fails_a_lost_write_and_a_growing_process() -> None:
    summary = a_summary(AuditFindings(1, 1, lost=["image i1: vector missing"]))
    failures = summary.failures()
    assert any("audit" in failure for failure in failures)
    assert any("gateway memory grows" in failure for failure in failures)
    table = render(summary)
    assert "| writes audited | 1 images of 1 persons; 1 lost | **FAIL** |" in table
    assert "| cases generated (API schema run) | not run | n/a |" in table


def test_a_short_run_does_not_judge_memory() -> None:
    summary = a_summary(AuditFindings(1, 1), memory_window=30.0)
    assert summary.failures() == []
    assert "memory not judged" in render(summary)


def test_stores_that_could_not_be_read_fail_the_audit() -> None:
    summary = a_summary(AuditFindings(1, 1, error="a store could not be read: S3 does not answer"), 30.0)
    assert summary.failures() == ["audit: a store could not be read: S3 does not answer"]
    assert "NOT AUDITED" in render(summary)


def test_the_schema_row_reads_what_bench_api_schema_answers() -> None:
    clean = {
        "operations": 28,
        "cases": 4433,
        "cases_by_phase": {"coverage": 1316},
        "failures": {},
        "errors": [],
    }
    failing = clean | {"failures": {"positive_data_acceptance": 2}, "errors": ["boom"]}
    passed = dataclasses.replace(a_summary(AuditFindings(1, 1)), schema=clean)
    assert (
        "| cases generated (API schema run) | 4433 over 28 operations (coverage: 1316); failed checks: none; "
        in (render(passed))
    )
    assert not any("API schema" in failure for failure in passed.failures())
    failed = dataclasses.replace(passed, schema=failing)
    assert any("API schema" in failure for failure in failed.failures())
    assert "positive_data_acceptance: 2; errors: 1 | **FAIL** |" in render(failed)
