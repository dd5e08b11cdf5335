"""The liveness service's settings: defaults, nested environment overrides, the secret kept out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from libs.faces.antispoof import DEFAULT_REAL_THRESHOLD
from services.liveness.service import server_secret
from services.liveness.settings import LivenessSettings

pytestmark = pytest.mark.unit


def test_defaults_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISAGE_CONFIG_FILE", raising=False)
    settings = LivenessSettings()
    policy = settings.policy()
    assert settings.server.port == 50053 and settings.tls.cert.name == "liveness.pem"
    assert settings.stores.database_url_for("liveness") == "sqlite:///.visage/liveness.db"
    assert (policy.ttl_seconds, policy.min_frames, policy.max_frames) == (120, 3, 24)
    assert policy.thresholds.real_threshold == DEFAULT_REAL_THRESHOLD
    assert (policy.frame_limits.min_eye_distance, policy.frame_limits.max_blur) == (40.0, 0.6)
    assert settings.housekeeping.keep_for_seconds == 31_536_000  # Regula's liveness keepFor


def test_nested_variables_override_single_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VISAGE_LIVENESS_DECISION__REAL_THRESHOLD", "0.8")
    monkeypatch.setenv("VISAGE_LIVENESS_CAPTURE__TTL_SECONDS", "30")
    monkeypatch.setenv("VISAGE_LIVENESS_MEDIA__PUBLIC_BASE_URL", "https://face.example.com")
    monkeypatch.setenv("VISAGE_LIVENESS_STORES__DATA_DIR", str(tmp_path))
    settings = LivenessSettings()
    policy = settings.policy()
    assert policy.thresholds.real_threshold == 0.8 and policy.thresholds.min_frames == 3
    assert policy.ttl_seconds == 30 and policy.max_frames == 24
    assert policy.public_base_url == "https://face.example.com"
    assert settings.secret_file == tmp_path / "liveness.secret"


def test_the_secret_comes_from_settings_or_from_a_private_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VISAGE_LIVENESS_STORES__DATA_DIR", str(tmp_path))
    generated = LivenessSettings()
    assert server_secret(generated) == server_secret(generated) and len(server_secret(generated)) == 32
    monkeypatch.setenv("VISAGE_LIVENESS_SECRET_KEY", "configured-secret")
    configured = LivenessSettings()
    assert server_secret(configured) == b"configured-secret"
    assert "configured-secret" not in repr(configured)
