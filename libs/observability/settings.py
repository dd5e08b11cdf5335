"""The telemetry settings every process mixes into its one settings object."""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, Field

from libs.observability.logs import LogFormat


class TelemetrySettings(BaseModel):
    """Traces and log format; the same for the gateway and every service.

    `otlp_endpoint` is read from OpenTelemetry's standard `OTEL_EXPORTER_OTLP_ENDPOINT` (one variable for
    every process of a deployment) or `otlp_endpoint` in the process's section of the settings file.
    """

    # OTLP/gRPC collector, e.g. "http://otel-collector:4317"; None = no traces: no span is made, nothing is
    # propagated (each would-be span costs one ~1 µs check, `libs.observability.tracing`).
    otlp_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("otlp_endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    # "json": one object per line with request_id and trace_id (for log collectors); "text" for terminals.
    log_format: LogFormat = "json"
