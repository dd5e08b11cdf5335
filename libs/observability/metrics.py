"""Every Prometheus metric Visage exports, defined here once, named `visage_<process>_...`.

Each process keeps its metrics in a registry of its own (no module-level state, so tests may run several
processes' worth side by side). The gateway serves its registry on its REST port (`GET /metrics`); a service
on a small HTTP listener of its own (`serve_metrics`, `MetricsSettings`: loopback by default).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import start_http_server
from pydantic import BaseModel, ConfigDict, Field

# Request latency from 5 ms (a detection on a small image) to 30 s (the gateway's call timeout).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# One model step: from a 1 ms trait model to a multi-face batch of descriptors.
MODEL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
STORE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)

_log = logging.getLogger(__name__)


class MetricsSettings(BaseModel):
    """Where a service serves `GET /metrics` (Prometheus text format, no TLS and no key: keep it private)."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = True
    # Loopback unless configured otherwise, like every listener (in a pod: 0.0.0.0 for the scraper).
    host: str = "127.0.0.1"
    # Each service sets its default (its gRPC port + 1000); 0 lets the OS pick (tests).
    port: int = Field(default=0, ge=0, le=65535)


class GatewayMetrics:
    """HTTP request count and latency by method, route template and status."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter(
            "visage_gateway_requests", "HTTP requests answered", labels, registry=self.registry
        )
        self.latency = Histogram(
            "visage_gateway_request_duration_seconds",
            "Time from request to the end of the response",
            labels,
            registry=self.registry,
            buckets=LATENCY_BUCKETS,
        )

        self._series = LabelledSeries(self.requests, self.latency)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self._series.observe((method, route, str(status)), seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class ServiceMetrics:
    """One service process's metrics: RPCs by method and status code, model steps, the inference queue,
    store calls. `rpc` is "Service/Method" (e.g. "MatchingService/Match"), `code` a gRPC status name."""

    def __init__(self, process: str) -> None:
        self.process = process
        self.registry = CollectorRegistry()
        prefix = f"visage_{process}"
        rpc_labels = ("rpc", "code")
        self.requests = Counter(f"{prefix}_requests", "RPCs answered", rpc_labels, registry=self.registry)
        self.latency = Histogram(
            f"{prefix}_request_duration_seconds",
            "Time from the call's arrival to its answer",
            rpc_labels,
            registry=self.registry,
            buckets=LATENCY_BUCKETS,
        )
        self.model_seconds = Histogram(
            f"{prefix}_model_seconds",
            "Time of one face-engine step (detect, describe, liveness, traits) on an inference thread",
            ("step",),
            registry=self.registry,
            buckets=MODEL_BUCKETS,
        )
        self.inference_queued = Gauge(
            f"{prefix}_inference_queue_depth",
            "Calls waiting for an inference thread",
            registry=self.registry,
        )
        self.inference_running = Gauge(
            f"{prefix}_inference_in_progress",
            "Calls running on an inference thread",
            registry=self.registry,
        )
        store_labels = ("store", "operation")
        self.store_latency = Histogram(
            f"{prefix}_store_duration_seconds",
            "Time of one store call (database, objects, vectors)",
            store_labels,
            registry=self.registry,
            buckets=STORE_BUCKETS,
        )
        self.store_errors = Counter(
            f"{prefix}_store_errors",
            "Store calls that failed for the store's sake (unreachable, timed out, broken)",
            store_labels,
            registry=self.registry,
        )

        self._rpc_series = LabelledSeries(self.requests, self.latency)
        self._store_series = LabelledSeries(None, self.store_latency)

    def rpc_answered(self, rpc: str, code: str, seconds: float) -> None:
        self._rpc_series.observe((rpc, code), seconds)

    def model_step(self, step: str, seconds: float) -> None:
        self.model_seconds.labels(step).observe(seconds)

    def store_call(self, store: str, operation: str, seconds: float, failed: bool) -> None:
        """`libs.stores.observed.StoreObserver`."""
        self._store_series.observe((store, operation), seconds)
        if failed:
            self.store_errors.labels(store, operation).inc()


class LabelledSeries:
    """A counter and a histogram with the same labels, their children kept per label values:
    prometheus_client's `labels()` lookup costs more than the update (the RPC guard with metrics, on this
    shared 2-core machine under load: 49 µs a call looking the children up, 24 µs keeping them)."""

    def __init__(self, counter: Counter | None, histogram: Histogram) -> None:
        self._counter, self._histogram = counter, histogram
        self._children: dict[tuple[str, ...], tuple[Counter | None, Histogram]] = {}

    def observe(self, labels: tuple[str, ...], seconds: float) -> None:
        children = self._children.get(labels)
        if children is None:
            counter = None if self._counter is None else self._counter.labels(*labels)
            children = self._children[labels] = (counter, self._histogram.labels(*labels))
        if children[0] is not None:
            children[0].inc()
        children[1].observe(seconds)


@contextmanager
def serve_metrics(settings: MetricsSettings, registry: CollectorRegistry) -> Iterator[int | None]:
    """Serve `registry` at http://host:port/metrics on a thread while the block runs; yields the bound port
    (None when disabled)."""
    if not settings.enabled:
        yield None
        return
    try:
        server, thread = start_http_server(settings.port, settings.host, registry)
    except OSError as error:  # the lifecycle reports it as "cannot start": name the listener
        raise OSError(f"cannot serve metrics on {settings.host}:{settings.port}: {error}") from error
    port = server.server_port
    _log.info("metrics on http://%s:%d/metrics", settings.host, port)
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
