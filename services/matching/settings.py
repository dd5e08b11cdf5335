"""The matching service's one settings object: section `[matching]`, variables `VISAGE_MATCHING_*`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from libs.rpc import ServerSettings, TLSFiles
from libs.usecases.match import DEFAULT_LIMIT_PER_IMAGE_TYPE
from services.common.settings import DEV_CERTS_DIR, ServiceSettings


class MatchingSettings(ServiceSettings):
    section: ClassVar[str] = "matching"
    model_config = SettingsConfigDict(env_prefix="VISAGE_MATCHING_")

    server: ServerSettings = ServerSettings(port=50052)
    tls: TLSFiles = TLSFiles.in_directory(DEV_CERTS_DIR, "matching")
    # Most images of one ImageSource type in one /api/match (Regula `sdk.compare.limitPerImageTypes`).
    limit_per_image_type: int = Field(default=DEFAULT_LIMIT_PER_IMAGE_TYPE, ge=1, le=64)
    # The liveness service ("host:port") that resolves `livenessTransactionId` inputs; None = such inputs
    # are refused (503). Dialled with this service's own certificate (server and client usage).
    liveness_target: str | None = None
    # Checked against liveness's certificate instead of the target's host (e.g. "liveness.visage.svc").
    liveness_server_name: str | None = None
    liveness_timeout_seconds: float = Field(default=10.0, gt=0)
