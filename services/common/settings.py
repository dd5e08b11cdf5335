"""Settings pieces every gRPC service shares; each service adds its section, env prefix and defaults.

    VISAGE_<SERVICE>_SERVER__HOST / __PORT / __MAX_CONCURRENT_RPCS / __GRACE_SECONDS
    VISAGE_<SERVICE>_TLS__CA / __CERT / __KEY               (services/launcher.py sets these)
    VISAGE_<SERVICE>_LIMITS__MAX_PIXELS, ..._LOG_LEVEL, ..._LOG_FORMAT (json | text)
    VISAGE_<SERVICE>_METRICS__ENABLED / __HOST / __PORT    (Prometheus `/metrics`: loopback, gRPC port + 1000)
    OTEL_EXPORTER_OTLP_ENDPOINT                             (traces over OTLP/gRPC; unset = no tracing)
and, in the services that run face models (`ModelServiceSettings`):
    VISAGE_<SERVICE>_INFERENCE__INTRA_OP_THREADS, ..._INFERENCE_WORKERS
    VISAGE_MODELS_DIR, VISAGE_MODELS_CACHE_DIR, VISAGE_MODELS_ALLOW_DOWNLOAD, VISAGE_MODELS_RECOGNIZER
                                                            (`libs.config.ModelSettings`, no service prefix)

An empty variable counts as unset (the Makefile exports an empty VISAGE_MODELS_DIR when ../shared is absent).
A partial nested override (only `SERVER__HOST`) keeps the other defaults of that group (the service's port).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from libs.config import ImageLimits, InferenceSettings, ModelSettings, default_thread_count
from libs.observability.metrics import MetricsSettings
from libs.observability.settings import TelemetrySettings
from libs.rpc import ServerSettings, TLSFiles
from libs.settings import ProcessSettings

# `make certs` writes here; the launcher and deployments point the TLS settings elsewhere.
DEV_CERTS_DIR = Path("certs/out")


class ServiceSettings(ProcessSettings, TelemetrySettings):
    """Base of every service's settings; subclasses set `section`, env prefix, ports, TLS."""

    model_config = SettingsConfigDict(env_ignore_empty=True, nested_model_default_partial_update=True)

    server: ServerSettings = ServerSettings()
    # Prometheus metrics over plain HTTP, on loopback unless configured (each service sets its port).
    metrics: MetricsSettings = MetricsSettings()
    tls: TLSFiles
    limits: ImageLimits = ImageLimits()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class ModelServiceSettings(ServiceSettings):
    """Base of the services that run face models (detection, matching, liveness)."""

    models: ModelSettings = Field(default_factory=ModelSettings)
    inference: InferenceSettings = Field(default_factory=InferenceSettings)
    # Threads that run inference, one per core by default: a single call of these small models does not keep
    # every core busy (measured: 1 worker served 8.7 match/s where 8 concurrent in-process calls did 30/s);
    # the server's concurrency limit refuses what would queue too long.
    inference_workers: int = Field(default_factory=default_thread_count, ge=1, le=64)
