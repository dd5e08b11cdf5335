"""The services' settings: the launcher's variables, the shared VISAGE_MODELS_* ones, the TOML sections."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.settings import GatewaySettings
from libs.config import default_thread_count
from services.detection.settings import DetectionSettings
from services.matching.settings import MatchingSettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VISAGE_"):
            monkeypatch.delenv(name)


def test_defaults_listen_on_loopback_at_the_documented_ports() -> None:
    detection, matching = DetectionSettings(), MatchingSettings()
    assert (detection.server.host, detection.server.port) == ("127.0.0.1", 50051)
    assert (matching.server.host, matching.server.port) == ("127.0.0.1", 50052)
    assert detection.inference_workers == default_thread_count() and matching.limit_per_image_type == 2
    assert matching.tls.cert == Path("certs/out/matching.pem")


def test_the_launchers_variables_configure_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISAGE_DETECTION_SERVER__HOST", "0.0.0.0")  # the port is not given: its default stays
    monkeypatch.setenv("VISAGE_DETECTION_TLS__CA", "/pki/ca.pem")
    monkeypatch.setenv("VISAGE_DETECTION_TLS__CERT", "/pki/detection.pem")
    monkeypatch.setenv("VISAGE_DETECTION_TLS__KEY", "/pki/detection.key")
    monkeypatch.setenv("VISAGE_DETECTION_INFERENCE_WORKERS", "2")

    settings = DetectionSettings()

    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 50051)
    assert settings.tls.key == Path("/pki/detection.key") and settings.inference_workers == 2
    assert MatchingSettings().server.host == "127.0.0.1"  # another service's prefix


def test_model_variables_are_shared_and_an_empty_one_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISAGE_MODELS_DIR", "")
    monkeypatch.setenv("VISAGE_MODELS_ALLOW_DOWNLOAD", "false")
    monkeypatch.setenv("VISAGE_MODELS_RECOGNIZER", "sface_fp32")
    monkeypatch.setenv("MODELS_DIR", "/not/ours")

    for settings in (DetectionSettings(), MatchingSettings()):
        models = settings.models
        assert models.dir is None and models.allow_download is False
        assert models.recognizer == "sface_fp32"


def test_the_toml_section_applies_below_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "visage.toml"
    config.write_text(
        '[models]\ndir = "/toml/models"\n[matching]\nlimit_per_image_type = 3\n'
        "[matching.server]\nmax_concurrent_rpcs = 4\n"
    )
    monkeypatch.setenv("VISAGE_CONFIG_FILE", str(config))
    monkeypatch.setenv("VISAGE_MATCHING_LIMIT_PER_IMAGE_TYPE", "5")

    settings = MatchingSettings()

    assert settings.models.dir == Path("/toml/models") and settings.limit_per_image_type == 5
    assert (settings.server.max_concurrent_rpcs, settings.server.port) == (4, 50052)


def test_metrics_are_on_by_default_on_loopback_at_the_grpc_port_plus_1000(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    detection, matching = DetectionSettings(), MatchingSettings()
    assert (detection.metrics.enabled, detection.metrics.host, detection.metrics.port) == (
        True,
        "127.0.0.1",
        51051,
    )
    assert matching.metrics.port == 51052

    monkeypatch.setenv("VISAGE_MATCHING_METRICS__HOST", "0.0.0.0")
    monkeypatch.setenv("VISAGE_DETECTION_METRICS__ENABLED", "false")
    assert (MatchingSettings().metrics.host, MatchingSettings().metrics.port) == ("0.0.0.0", 51052)
    assert DetectionSettings().metrics.enabled is False


def test_traces_are_off_unless_the_standard_otlp_variable_names_an_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert MatchingSettings().otlp_endpoint is None and MatchingSettings().log_format == "json"

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")
    assert MatchingSettings().otlp_endpoint == DetectionSettings().otlp_endpoint == "http://collector:4317"


def test_a_backend_admits_every_call_one_api_key_may_have_in_flight() -> None:
    # Otherwise a client within its key's limits is refused "server busy" (503) by a backend.
    assert DetectionSettings().server.max_concurrent_rpcs >= GatewaySettings().key_max_concurrent
