"""Throughput with 1, 2, 4 and 8 concurrent clients, through REST and in process.

POST /api/match with two 640×480 photos (one face each) from N concurrent HTTP clients against the platform
(detection, matching, gateway as real processes over mTLS), next to N threads calling the same use case on one
`FaceEngine` in this process: the limit the services could reach on this machine. The matching service runs
as many inference workers as there are clients, so it is never the queue that is measured. The two sides
alternate round by round; each figure is the median of the rounds, latency percentiles are over every
request of every round.
"""

from __future__ import annotations

import statistics

from bench import BenchSettings
from bench.common import method_of, percentile, ratio, usable_cores
from bench.deployment import bench_platform
from bench.plots import new_figure, save
from bench.section import Section
from bench.workload import MatchWorkload, Rate, gateway_rate, library_rate
from libs.faces import FaceEngine

CLIENT_COUNTS = (1, 2, 4, 8)


def _summary(rates: list[Rate]) -> tuple[float, float, float]:
    """(median requests/s over rounds, p50 and p99 latency over every request)."""
    latencies = [ms for rate in rates for ms in rate.latencies_ms]
    return (
        statistics.median(rate.requests_per_second for rate in rates),
        percentile(latencies, 50),
        percentile(latencies, 99),
    )


def run(settings: BenchSettings) -> Section:
    inference = settings.inference_settings()
    engine = FaceEngine.create(settings.models, inference)
    workload = MatchWorkload.create(settings, engine)
    rounds, per_client = (5, 8) if settings.bench_full else (3, 4)
    results: dict[int, tuple[tuple[float, float, float], tuple[float, float, float]]] = {}
    with bench_platform(settings, workers=max(CLIENT_COUNTS)) as platform:
        url = f"{platform.api_url}/match"
        for clients in CLIENT_COUNTS:
            gateway: list[Rate] = []
            library: list[Rate] = []
            for _ in range(rounds):
                gateway.append(gateway_rate(url, workload.body, clients, per_client))
                library.append(library_rate(workload.in_process, clients, per_client))
            results[clients] = (_summary(gateway), _summary(library))

    section = Section(
        "scaling",
        "Throughput with concurrent clients",
        f"{method_of(__doc__)} {rounds} rounds of {per_client} requests per client; "
        f"{inference.intra_op_threads} intra-op threads per session, {usable_cores()} usable cores.",
    )
    rows = []
    for clients, ((g_rps, g_p50, g_p99), (l_rps, l_p50, l_p99)) in results.items():
        rows.append(
            [
                str(clients),
                f"{g_rps:.1f}",
                f"{l_rps:.1f}",
                ratio(g_rps, l_rps),
                f"{g_p50:.0f}",
                f"{g_p99:.0f}",
                f"{l_p50:.0f}",
                f"{l_p99:.0f}",
            ]
        )
    section.table(
        [
            "clients",
            "REST req/s",
            "in-process req/s",
            "ratio",
            "REST p50 ms",
            "REST p99 ms",
            "in-process p50 ms",
            "in-process p99 ms",
        ],
        rows,
    )
    one, most = results[CLIENT_COUNTS[0]][0][0], max(r[0][0] for r in results.values())
    best_library = max(r[1][0] for r in results.values())
    section.highlight(
        f"POST /api/match throughput {one:.1f} req/s with 1 client, {most:.1f} req/s at best "
        f"({ratio(most, best_library)}× the in-process best of {best_library:.1f}/s on the same cores)"
    )
    figure, axes = new_figure()
    counts = list(results)
    axes.plot(counts, [results[c][0][0] for c in counts], marker="o", label="REST (gateway + services)")
    axes.plot(counts, [results[c][1][0] for c in counts], marker="s", label="in process (limit)")
    axes.set_xscale("log", base=2)
    axes.set_xticks(counts, [str(c) for c in counts])
    axes.set_xlabel("concurrent clients")
    axes.set_ylabel("POST /api/match per second")
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    section.figure(
        save(figure, settings.bench_results_dir, "scaling-throughput.png"),
        "Match throughput against concurrent clients, REST and in process",
    )
    return section
