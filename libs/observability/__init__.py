"""What every Visage process reports about itself: Prometheus metrics, OpenTelemetry traces, JSON logs.

- `metrics`: every metric's definition (`GatewayMetrics`, `ServiceMetrics`) and the per-service HTTP exporter.
- `tracing`: the tracer provider (OTLP when an endpoint is configured, otherwise the API's no-op), and W3C
  trace context carried in gRPC metadata, in and out.
- `logs`: the request id of the call being served and the JSON log formatter that prints it with the trace id.
- `settings`: `TelemetrySettings`, mixed into every process's settings (`otlp_endpoint`, `log_format`).
"""
