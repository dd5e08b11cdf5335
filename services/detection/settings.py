"""The detection service's one settings object: section `[detection]`, variables `VISAGE_DETECTION_*`."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from libs.rpc import ServerSettings, TLSFiles
from services.common.settings import DEV_CERTS_DIR, ServiceSettings


class DetectionSettings(ServiceSettings):
    section: ClassVar[str] = "detection"
    model_config = SettingsConfigDict(env_prefix="VISAGE_DETECTION_")

    server: ServerSettings = ServerSettings(port=50051)
    tls: TLSFiles = TLSFiles.in_directory(DEV_CERTS_DIR, "detection")
