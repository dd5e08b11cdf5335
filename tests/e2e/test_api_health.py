"""The gateway's own routes on a running platform: health, readiness, OpenAPI, docs, metrics, request ids."""

from __future__ import annotations

import signal
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import pytest

from services.launcher import Platform
from tests.e2e.conftest import BACKENDS, api_client

pytestmark = pytest.mark.e2e


def test_healthz_and_readyz_with_every_backend_up(api: httpx.Client) -> None:
    info = api.get("healthz").json()
    assert set(info) == {"app", "licenseId", "licenseSerial", "licenseValidUntil", "version"}
    ready = api.get("readyz")
    assert ready.status_code == 200
    assert ready.json()["backends"] == dict.fromkeys(BACKENDS, "SERVING")
    assert api.get("readiness").status_code == 200


def test_openapi_document_and_docs_page_load(api: httpx.Client) -> None:
    document = api.get("openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"/api/detect", "/api/match", "/api/healthz", "/api/readyz"} <= set(document["paths"])
    page = api.get("docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/match" in page.text and "detectAll" in page.text


def test_request_id_is_echoed_and_requests_are_counted(api: httpx.Client, platform: Platform) -> None:
    answer = api.post("detect", json={}, headers={"X-RequestID": "e2e-trace-7"})
    assert answer.headers["X-RequestID"] == "e2e-trace-7"
    assert answer.json()["metadata"]["requestId"] == "e2e-trace-7"
    metrics = httpx.get(platform.api_url.removesuffix("/api") + "/metrics").text
    assert 'visage_gateway_requests_total{method="POST",route="/api/detect",status="400"}' in metrics


def test_readyz_fails_and_routes_answer_503_once_a_backend_stops(
    start_platform: Callable[[], AbstractContextManager[Platform]],
) -> None:
    with start_platform() as running, api_client(running) as api:
        assert api.get("readyz").status_code == 200
        matching = running.processes["matching"]
        matching.send_signal(signal.SIGTERM)
        matching.wait(timeout=20)

        not_ready = api.get("readyz")
        assert not_ready.status_code == 503
        body = not_ready.json()
        assert body["type"] == "NotReadyError" and "matching" in body["msg"]
        assert body["metadata"]["backends"]["detection"] == "SERVING"
        down = api.post("match", json={"images": [{"data": "AAAA"}, {"data": "AAAA"}]})
        assert down.status_code == 503 and down.json()["statusCode"] == 503
        assert api.get("healthz").status_code == 200  # the gateway itself is alive
