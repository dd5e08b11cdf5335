"""What the metrics, trace and log hooks cost one call, with tracing off (no OTLP endpoint) and on.

CPU time (`time.process_time`, best of 7 rounds of 20 000 calls), so other processes on the machine count
less than in wall time. "Traced" runs in a child process with an SDK provider and an in-memory exporter (a
provider can be installed once per process): the cost at the call site, before any export.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import grpc

from bench import BenchSettings
from bench.section import Section
from libs.observability.metrics import ServiceMetrics
from libs.observability.tracing import outgoing_call
from libs.rpc.observe import observing_guard
from libs.stores.observed import observed

CALLS = 20_000
ROUNDS = 7
RPC = "visage.matching.v1.MatchingService/Match"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class _Context:
    """What the server guard reads of a call's context."""

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return (("x-request-id", "bench-1"), ("traceparent", TRACEPARENT))

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.OK


class _Store:
    async def fetch(self, sql: str) -> list[object]:
        return []


@asynccontextmanager
async def _bare_guard(method: str, context: object) -> AsyncIterator[None]:
    yield


def _microseconds(loop_of: Callable[[int], None]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        loop_of(CALLS)
        best = min(best, (time.process_time() - started) / CALLS * 1e6)
    return best


def measure() -> dict[str, float]:
    """µs of CPU per call of each hook, and of the bare constructs they are built from."""
    loop = asyncio.new_event_loop()
    metrics = ServiceMetrics("bench")
    context = _Context()

    def guarded(guard: Callable[..., object]) -> Callable[[int], None]:
        async def calls(n: int) -> None:
            for _ in range(n):
                async with guard(f"/{RPC}", context):  # type: ignore[attr-defined]
                    pass

        return lambda n: loop.run_until_complete(calls(n))

    def store_calls(store: object) -> Callable[[int], None]:
        async def calls(n: int) -> None:
            for _ in range(n):
                await store.fetch("SELECT 1")  # type: ignore[attr-defined]

        return lambda n: loop.run_until_complete(calls(n))

    def client_calls(n: int) -> None:
        for _ in range(n):
            with outgoing_call(RPC):
                pass

    raw = _Store()
    try:
        return {
            "bare async guard (the construct)": _microseconds(guarded(_bare_guard)),
            "server guard, no metrics": _microseconds(guarded(observing_guard(None))),
            "server guard with metrics": _microseconds(guarded(observing_guard(metrics))),
            "client call (outgoing_call)": _microseconds(client_calls),
            "store call, bare": _microseconds(store_calls(raw)),
            "store call, observed": _microseconds(store_calls(observed("database", raw, metrics))),
        }
    finally:
        loop.close()


def _traced() -> dict[str, float]:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    results = {}
    for name, value in measure().items():
        results[name] = value
        exporter.clear()
    return results


def run(settings: BenchSettings) -> Section:
    off = measure()
    child = subprocess.run(
        [sys.executable, "-m", "bench.observability"], capture_output=True, text=True, check=True
    )
    on = json.loads(child.stdout)
    section = Section(
        "observability",
        "Observability hooks per call",
        "CPU time per call (best of 7 rounds of 20 000) of the hooks every request passes: the gRPC "
        "server's outermost guard (request id, SERVER span, metrics), a client call's span and metadata, and "
        "a store call through the observing wrapper; tracing off as in a process without "
        "`OTEL_EXPORTER_OTLP_ENDPOINT`, and on with an SDK provider and an in-memory exporter.",
    )
    section.table(
        ["hook", "tracing off (µs)", "tracing on (µs)"],
        [[name, f"{off[name]:.1f}", f"{on[name]:.1f}"] for name in off],
    )
    per_match = off["server guard with metrics"] + off["client call (outgoing_call)"]
    section.highlight(f"tracing off: {per_match:.0f} µs of CPU per backend call for metrics, ids and spans")
    return section


if __name__ == "__main__":  # the traced half, in a process of its own
    print(json.dumps(_traced()))
