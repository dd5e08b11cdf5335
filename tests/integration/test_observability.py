"""Traces, metrics and logs of requests through the gateway and the four services.

Most tests run the services in this process, each through `services.common.lifecycle.run` (what `python -m
services.<name>` runs, with the session's face engine instead of loading the models again), behind a real
gateway app; every hop is a real mTLS gRPC call on loopback. In process, because the in-memory span
exporter sees the spans of its own process only. Trace context still crosses each hop only as `traceparent`
metadata: the server guard starts each call's span from the context extracted from its metadata, never from
the one current in the process, which `test_a_call_without_trace_context_starts_a_trace_of_its_own` checks.
The last test runs `python -m services.matching` as its own process, exporting to an OTLP receiver in the
test: the same propagation across a real process boundary.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import grpc
import httpx
import pytest
import pytest_asyncio
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.test.globals_test import reset_trace_globals
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families
from visage.liveness.v1 import liveness_pb2, liveness_pb2_grpc
from visage.matching.v1 import matching_pb2, matching_pb2_grpc

from gateway.app import create_app
from gateway.settings import GatewaySettings
from libs.auth.store import KeyStoreSettings
from libs.faces import FaceEngine
from libs.observability.logs import log_handler
from libs.observability.metrics import MetricsSettings
from libs.rpc import ServerSettings, TLSFiles, secure_channel, wait_healthy
from libs.stores.factory import StoreSettings
from services.common.lifecycle import ServiceSpec, run
from services.detection import service as detection
from services.detection.settings import DetectionSettings
from services.identification import service as identification
from services.identification.settings import IdentificationSettings
from services.liveness import service as liveness
from services.liveness.settings import LivenessSettings
from services.matching import service as matching
from services.matching.settings import MatchingSettings
from tests.integration.service_support import free_port, serving_subprocess

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

KATY_1 = "deepface/tests/unit/dataset/img27.jpg"
KATY_2 = "deepface/tests/unit/dataset/img28.jpg"
MATCH = "visage.matching.v1.MatchingService/Match"
SERVICES = ("detection", "matching", "liveness", "identification")


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span this process finishes while the module runs. The global provider is reset afterwards, so
    the tests after these run with tracing off, as a process without an OTLP endpoint does."""
    reset_trace_globals()
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        reset_trace_globals()


@dataclass
class Platform:
    api: httpx.AsyncClient  # the gateway
    channels: dict[str, grpc.aio.Channel]
    metrics_ports: dict[str, int]
    faces_dir: Path

    def photo(self, relative: str) -> str:
        return base64.b64encode((self.faces_dir / relative).read_bytes()).decode()

    async def metrics(self, service: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """`GET /metrics` of the service: sample value by (name, sorted labels)."""
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{self.metrics_ports[service]}/metrics")
        assert answer.status_code == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples
        }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(
    spans: InMemorySpanExporter,
    face_engine: FaceEngine,
    dev_certs: Path,
    gateway_tls: TLSFiles,
    tmp_path_factory: pytest.TempPathFactory,
    faces_dir: Path,
) -> AsyncIterator[Platform]:
    data = tmp_path_factory.mktemp("observability")
    ports = {name: free_port() for name in SERVICES}
    metrics_ports = {name: free_port() for name in SERVICES}

    def common(name: str) -> dict[str, object]:
        return {
            "server": ServerSettings(port=ports[name]),
            "metrics": MetricsSettings(port=metrics_ports[name]),
            "tls": TLSFiles.in_directory(dev_certs, name),
        }

    runs = [
        (ServiceSpec("detection", DetectionSettings, partial(detection.assemble, engine=face_engine)),
         DetectionSettings(**common("detection"))),
        (ServiceSpec("matching", MatchingSettings, partial(matching.assemble, engine=face_engine)),
         MatchingSettings(**common("matching"))),
        (ServiceSpec("liveness", LivenessSettings, partial(liveness.assemble, engine=face_engine)),
         LivenessSettings(**common("liveness"), stores=StoreSettings(data_dir=data / "liveness"),
                          secret_key="observability-test")),
        (identification.SERVICE,
         IdentificationSettings(**common("identification"), stores=StoreSettings(data_dir=data / "identity"),
                                matching_target=f"127.0.0.1:{ports['matching']}")),
    ]  # fmt: skip
    tasks = [asyncio.create_task(run(spec, settings)) for spec, settings in runs]  # type: ignore[arg-type]
    channels = {name: secure_channel(f"127.0.0.1:{ports[name]}", gateway_tls) for name in SERVICES}
    try:
        for channel in channels.values():
            await wait_healthy(channel, timeout=120)
        # API keys off: these tests are about what the platform reports (keys: tests/e2e/test_api_auth.py).
        settings = GatewaySettings(
            backends={name: f"127.0.0.1:{port}" for name, port in ports.items()},
            tls=gateway_tls,
            call_timeout_seconds=60.0,
            discovery_retry_seconds=0.05,
            require_api_keys=False,
            keys=KeyStoreSettings(data_dir=data / "keys"),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as api:
                while (await api.get("/api/readyz")).status_code != 200:
                    await asyncio.sleep(0.05)
                yield Platform(api, channels, metrics_ports, faces_dir)
    finally:
        for channel in channels.values():
            await channel.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def one(spans: Iterable[ReadableSpan], name: str, kind: SpanKind) -> ReadableSpan:
    [span] = [span for span in spans if span.name == name and span.kind == kind]
    return span


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


async def match_two_photos(platform: Platform, request_id: str) -> None:
    images = [
        {"index": 0, "type": 3, "data": platform.photo(KATY_1)},
        {"index": 1, "type": 1, "data": platform.photo(KATY_2)},
    ]
    answer = await platform.api.post(
        "/api/match", json={"images": images}, headers={"X-RequestID": request_id}
    )
    assert answer.status_code == 200, answer.text


def trace_of(spans: InMemorySpanExporter, root_name: str) -> tuple[ReadableSpan, list[ReadableSpan]]:
    """The last finished span named `root_name` and every span of its trace."""
    finished = spans.get_finished_spans()
    root = [span for span in finished if span.name == root_name][-1]
    return root, [span for span in finished if span.context.trace_id == root.context.trace_id]


async def test_one_match_is_one_trace_from_the_gateway_through_matching(
    platform: Platform, spans: InMemorySpanExporter
) -> None:
    await match_two_photos(platform, "trace-match-1")

    request, in_trace = trace_of(spans, "POST /api/match")
    call = one(in_trace, MATCH, SpanKind.CLIENT)  # the gateway's call
    served = one(in_trace, MATCH, SpanKind.SERVER)  # matching's side of it
    assert request.kind == SpanKind.SERVER and request.parent is None
    assert parent_of(call) == request.context.span_id
    assert parent_of(served) == call.context.span_id
    assert served.attributes is not None and served.attributes["visage.request_id"] == "trace-match-1"
    assert served.attributes["rpc.grpc.status_code"] == 0
    # The models ran on inference threads, still inside matching's span.
    steps = [span for span in in_trace if span.name.startswith("engine.")]
    assert {span.name for span in steps} >= {"engine.detect", "engine.describe"}
    assert all(parent_of(span) == served.context.span_id for span in steps)
    # The fixture polled /api/readyz until ready: probes are not traced.
    assert not [span for span in spans.get_finished_spans() if "readyz" in span.name]


async def test_an_added_person_image_is_traced_through_identification_matching_and_the_stores(
    platform: Platform, spans: InMemorySpanExporter
) -> None:
    created = await platform.api.post("/api/persons", json={"name": "Katy"})
    assert created.status_code == 201, created.text
    person = created.json()["id"]
    added = await platform.api.post(
        f"/api/persons/{person}/images", json={"image": {"content": platform.photo(KATY_1)}}
    )
    assert added.status_code == 200, added.text

    request, in_trace = trace_of(spans, "POST /api/persons/{personId}/images")
    served = one(in_trace, "visage.identification.v1.IdentificationService/AddPersonImage", SpanKind.SERVER)
    describe = "visage.matching.v1.MatchingService/ComputeDescriptors"
    asked = one(in_trace, describe, SpanKind.CLIENT)
    described = one(in_trace, describe, SpanKind.SERVER)
    assert parent_of(described) == asked.context.span_id
    stores = {span.name for span in in_trace if span.attributes and "visage.store" in span.attributes}
    assert {"objects.put", "vectors.upsert"} <= stores and any(
        name.startswith("database.") for name in stores
    )
    assert request.parent is None and served.context.trace_id == request.context.trace_id


async def test_a_call_without_trace_context_starts_a_trace_of_its_own(
    platform: Platform, spans: InMemorySpanExporter
) -> None:
    stub = matching_pb2_grpc.MatchingServiceStub(platform.channels["matching"])
    image = (platform.faces_dir / KATY_1).read_bytes()
    request = matching_pb2.MatchRequest(images=[matching_pb2.MatchImage(data=image)] * 2)
    with trace.get_tracer("test").start_as_current_span("caller that sends no traceparent") as caller:
        await stub.Match(request, timeout=30)

    served = [
        span for span in spans.get_finished_spans() if span.name == MATCH and span.kind == SpanKind.SERVER
    ]
    assert served[-1].context.trace_id != caller.get_span_context().trace_id
    assert served[-1].parent is None


async def test_every_service_serves_its_rpc_counter_after_a_call(platform: Platform) -> None:
    detected = await platform.api.post("/api/detect", json={"image": platform.photo(KATY_1)})
    assert detected.status_code == 200, detected.text
    await match_two_photos(platform, "metrics-1")
    assert (await platform.api.post("/api/persons", json={"name": "Ann"})).status_code == 201
    portal = liveness_pb2_grpc.LivenessServiceStub(platform.channels["liveness"])
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await portal.GetLivenessTransaction(liveness_pb2.GetLivenessTransactionRequest(transaction_id="nope"))

    answered = {
        "detection": ("DetectionService/Detect", "OK"),
        "matching": ("MatchingService/Match", "OK"),
        "identification": ("IdentificationService/CreatePerson", "OK"),
        "liveness": ("LivenessService/GetLivenessTransaction", missing.value.code().name),
    }
    for service, (rpc, code) in answered.items():
        samples = await platform.metrics(service)
        labels = (("code", code), ("rpc", rpc))
        assert samples[(f"visage_{service}_requests_total", labels)] >= 1, service
        assert samples[(f"visage_{service}_request_duration_seconds_count", labels)] >= 1, service
    matching_samples = await platform.metrics("matching")
    assert matching_samples[("visage_matching_model_seconds_count", (("step", "describe"),))] >= 1
    assert matching_samples[("visage_matching_inference_queue_depth", ())] == 0
    identification_samples = await platform.metrics("identification")
    stored = [
        key
        for key in identification_samples
        if key[0] == "visage_identification_store_duration_seconds_count"
    ]
    assert any(dict(labels)["store"] == "database" for _, labels in stored)


async def test_a_log_line_carries_the_request_id_and_the_trace_id(
    platform: Platform, spans: InMemorySpanExporter
) -> None:
    lines = io.StringIO()
    handler = log_handler("json", lines)
    calls = logging.getLogger("visage.calls")
    level = calls.level
    calls.addHandler(handler)
    calls.setLevel(logging.INFO)
    try:
        await match_two_photos(platform, "log-me-7")
    finally:
        calls.removeHandler(handler)
        calls.setLevel(level)

    request, _ = trace_of(spans, "POST /api/match")
    [logged] = [json.loads(line) for line in lines.getvalue().splitlines() if '"Match ' in line]
    assert logged["request_id"] == "log-me-7"
    assert logged["trace_id"] == format(request.context.trace_id, "032x")
    assert logged["logger"] == "visage.calls" and logged["level"] == "INFO"


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace receiver on loopback: what an OpenTelemetry collector is to the services. On its own
    threads (a sync server): the service flushes its spans while the test waits for it to exit."""

    def __init__(self) -> None:
        self.exports: list[trace_service_pb2.ExportTraceServiceRequest] = []

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        self.exports.append(request)
        return trace_service_pb2.ExportTraceServiceResponse()

    def spans(self) -> list[tuple[str, str, bytes, bytes]]:
        """(service.name, span name, trace id, parent span id) of everything received."""
        found = []
        for export in self.exports:
            for resource_spans in export.resource_spans:
                attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for received in scope_spans.spans:
                        names = (attributes["service.name"], received.name)
                        found.append((*names, received.trace_id, received.parent_span_id))
        return found


async def test_a_service_process_exports_its_spans_to_the_configured_otlp_endpoint(
    dev_certs: Path, gateway_tls: TLSFiles, models_dir: Path, faces_dir: Path
) -> None:
    collector = Collector()
    receiver = grpc.server(ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, receiver)
    port = receiver.add_insecure_port("127.0.0.1:0")
    receiver.start()
    # The caller's trace, as the gateway would send it: W3C traceparent in the metadata.
    trace_id, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    metadata = (("traceparent", f"00-{trace_id}-{caller_span}-01"), ("x-request-id", "otlp-1"))
    image = (faces_dir / KATY_1).read_bytes()
    request = matching_pb2.MatchRequest(images=[matching_pb2.MatchImage(data=image)] * 2)
    try:
        environment = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}"}
        async with serving_subprocess(
            "matching", "visage.matching.v1.MatchingService", dev_certs, gateway_tls, models_dir, environment
        ) as service:
            stub = matching_pb2_grpc.MatchingServiceStub(service.channel)
            await stub.Match(request, metadata=metadata, timeout=30)
        # SIGTERM: the spans still batched are flushed on the way out.
        assert service.code == 0, service.output
    finally:
        receiver.stop(0)

    served = [s for s in collector.spans() if s[1] == MATCH]
    assert served == [("visage-matching", MATCH, bytes.fromhex(trace_id), bytes.fromhex(caller_span))]
    steps = {name for service_name, name, tid, _ in collector.spans() if tid == bytes.fromhex(trace_id)}
    assert {"engine.detect", "engine.describe"} <= steps
    logged = [json.loads(line) for line in service.output.splitlines() if '"Match ' in line]
    assert [(line["request_id"], line["trace_id"]) for line in logged] == [("otlp-1", trace_id)]
