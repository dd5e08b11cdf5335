"""Settings pieces every gRPC service shares; each service adds its section, env prefix and defaults.

    VISAGE_<SERVICE>_SERVER__HOST / __PORT / __MAX_CONCURRENT_RPCS / __GRACE_SECONDS
    VISAGE_<SERVICE>_TLS__CA / __CERT / __KEY               (services/launcher.py sets these)
    VISAGE_<SERVICE>_INFERENCE__INTRA_OP_THREADS, ..._INFERENCE_WORKERS, ..._LIMITS__MAX_PIXELS, ..._LOG_LEVEL
    VISAGE_MODELS_DIR, VISAGE_MODELS_CACHE_DIR, VISAGE_MODELS_ALLOW_DOWNLOAD, VISAGE_MODELS_RECOGNIZER
                                                            (shared by every process, no service prefix)

An empty variable counts as unset (the Makefile exports an empty VISAGE_MODELS_DIR when ../shared is absent).
A partial nested override (only `SERVER__HOST`) keeps the other defaults of that group (the service's port).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import SettingsConfigDict

from libs.config import ImageLimits, InferenceSettings, ModelSettings, default_thread_count
from libs.rpc import ServerSettings
from libs.settings import ProcessSettings

# `make certs` writes here; the launcher and deployments point the TLS settings elsewhere.
DEV_CERTS_DIR = Path("certs/out")


class ModelSource(BaseModel):
    """Where the model files come from, read from the shared VISAGE_MODELS_* variables.

    The alias is the whole variable name, so no process prefix applies; in a TOML section the field names
    (`models_dir = ...`) work too.
    """

    models_dir: Path | None = Field(default=None, validation_alias=AliasChoices("VISAGE_MODELS_DIR"))
    models_cache_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("VISAGE_MODELS_CACHE_DIR")
    )
    models_allow_download: bool = Field(
        default=True, validation_alias=AliasChoices("VISAGE_MODELS_ALLOW_DOWNLOAD")
    )
    models_recognizer: str = Field(
        default="sface_int8bq", validation_alias=AliasChoices("VISAGE_MODELS_RECOGNIZER")
    )

    def model_settings(self) -> ModelSettings:
        return ModelSettings(
            models_dir=self.models_dir,
            cache_dir=self.models_cache_dir,
            allow_download=self.models_allow_download,
            recognizer=self.models_recognizer,
        )


class ServiceSettings(ProcessSettings, ModelSource):
    """Base of `DetectionSettings` and `MatchingSettings`; subclasses set `section`, env prefix, port, TLS."""

    model_config = SettingsConfigDict(
        env_ignore_empty=True,
        nested_model_default_partial_update=True,
        # Lets the TOML section name the model fields by field name rather than by variable name.
        populate_by_name=True,
    )

    server: ServerSettings = ServerSettings()
    inference: InferenceSettings = Field(default_factory=InferenceSettings)
    limits: ImageLimits = ImageLimits()
    # Threads that run inference, one per core by default: a single call of these small models does not keep
    # every core busy (measured: 1 worker served 8.7 match/s where 8 concurrent in-process calls did 30/s);
    # the server's concurrency limit refuses what would queue too long.
    inference_workers: int = Field(default_factory=default_thread_count, ge=1, le=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
