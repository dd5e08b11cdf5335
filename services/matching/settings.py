"""The matching service's one settings object: section `[matching]`, variables `VISAGE_MATCHING_*`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from libs.observability.metrics import MetricsSettings
from libs.rpc import ServerSettings, TLSFiles
from libs.usecases.match import DEFAULT_LIMIT_PER_IMAGE_TYPE
from services.common.liveness_client import LivenessBackend
from services.common.settings import DEV_CERTS_DIR, ModelServiceSettings


class MatchingSettings(ModelServiceSettings, LivenessBackend):
    """`VISAGE_MATCHING_LIVENESS_TARGET` etc. (`LivenessBackend`) resolve `livenessTransactionId` inputs."""

    section: ClassVar[str] = "matching"
    model_config = SettingsConfigDict(env_prefix="VISAGE_MATCHING_")

    server: ServerSettings = ServerSettings(port=50052)
    metrics: MetricsSettings = MetricsSettings(port=51052)
    tls: TLSFiles = TLSFiles.in_directory(DEV_CERTS_DIR, "matching")
    # Most images of one ImageSource type in one /api/match (Regula `sdk.compare.limitPerImageTypes`).
    limit_per_image_type: int = Field(default=DEFAULT_LIMIT_PER_IMAGE_TYPE, ge=1, le=64)
