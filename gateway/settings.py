"""The gateway's one settings object: `[gateway]` of the settings file, then `VISAGE_GATEWAY_*` variables."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from libs.auth.store import KeyStoreSettings
from libs.observability.settings import TelemetrySettings
from libs.rpc.tls import TLSFiles
from libs.settings import ProcessSettings

MIB = 1024 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def _installed_version() -> str:
    try:
        return metadata.version("visage")
    except metadata.PackageNotFoundError:  # running from a checkout that was never pip-installed
        return "0.0.0+unknown"


class GatewaySettings(ProcessSettings, TelemetrySettings):
    """Also `log_format` and `otlp_endpoint` (`OTEL_EXPORTER_OTLP_ENDPOINT`): `TelemetrySettings`."""

    section = "gateway"
    model_config = SettingsConfigDict(
        env_prefix="VISAGE_GATEWAY_",
        env_ignore_empty=True,
        # VISAGE_GATEWAY_TLS__CA alone keeps the default cert and key.
        nested_model_default_partial_update=True,
    )

    # Loopback unless configured otherwise: nothing is reachable from the network by accident.
    host: str = "127.0.0.1"
    # Regula's default port, so existing clients work unchanged.
    port: int = Field(default=41101, ge=0, le=65535)
    # Backend name -> "host:port"; every backend's routes are discovered through gRPC reflection.
    backends: dict[str, str] = Field(
        default_factory=lambda: {
            "detection": "127.0.0.1:50051",
            "matching": "127.0.0.1:50052",
            "liveness": "127.0.0.1:50053",
            "identification": "127.0.0.1:50054",
        }
    )
    # Checked against the backends' certificates instead of the host part of their address (e.g. when
    # dialling an IP whose certificate only names `detection.visage.svc`); None = the address's host.
    server_name_override: str | None = None
    # HTTPS for the REST listener (PEM certificate chain and key); both or neither. Browsers give the camera
    # and Web Crypto only to secure contexts: https, or http on localhost / 127.0.0.1.
    https_cert: Path | None = None
    https_key: Path | None = None
    # The gateway's client certificate (`certs.generate` makes `gateway.pem`).
    tls: TLSFiles = TLSFiles.in_directory(Path("certs/out"), "gateway")
    # Backends whose every call is a pure function of its request, so a call that found the backend
    # restarting (UNAVAILABLE) may be sent again; elsewhere only GET, PUT and DELETE routes are retried.
    idempotent_backends: frozenset[str] = frozenset({"detection", "matching"})
    # Larger request bodies get 413 before being read (Content-Length) or as soon as they pass the limit.
    max_body_bytes: int = Field(default=40 * MIB, gt=0)
    # Deadline of one backend call; past it the client gets 504.
    call_timeout_seconds: float = Field(default=30.0, gt=0)
    # How long /api/readyz waits for each backend's health answer.
    health_timeout_seconds: float = Field(default=2.0, gt=0)
    # Pause between discovery attempts of a backend that is not up yet (doubles up to 10 s).
    discovery_retry_seconds: float = Field(default=0.5, gt=0)
    # API keys: where they are kept (SQL + pepper, libs/auth/store.py). VISAGE_GATEWAY_KEYS__DATABASE_URL etc.
    keys: KeyStoreSettings = Field(default_factory=KeyStoreSettings)
    # False = no key is asked for and every request acts as tenant "default" with every scope: for
    # development only, refused unless `host` is loopback, and announced by a warning at start.
    require_api_keys: bool = True
    # Limits of a key that sets none of its own: requests per second, requests in flight at once, images in
    # one request (match, match_and_search), faces reported per image (None: the detector's cap, 100).
    key_requests_per_second: int = Field(default=100, ge=1)
    key_max_concurrent: int = Field(default=32, ge=1)
    key_max_images_per_request: int = Field(default=16, ge=1)
    key_max_faces_per_image: int | None = Field(default=None, ge=1)
    # The web console at /console (static files; every call it makes needs an API key like any client's).
    console: bool = True
    # Origins allowed by CORS (browser clients, Regula's web components); empty = CORS off.
    cors_origins: list[str] = Field(default_factory=list)
    # How long in-flight HTTP requests may take to finish after SIGTERM.
    grace_seconds: float = Field(default=10.0, ge=0)
    # How long an idle client connection is kept open. Longer than clients' and load balancers' own idle
    # timeouts (httpx 5 s, AWS ALB 60 s): the side that closes first must be the client, or a request sent on
    # a connection the server is closing that instant is lost (the soak saw one at uvicorn's default, 5 s).
    keep_alive_seconds: int = Field(default=75, ge=1)
    # Reported by GET /api/healthz (Regula DeviceInfo) and in the OpenAPI document.
    app_name: str = "Visage Face API"
    version: str = Field(default_factory=_installed_version)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _https_files_together(self) -> GatewaySettings:
        if (self.https_cert is None) != (self.https_key is None):
            raise ValueError("https_cert and https_key must be set together (or neither, for plain HTTP)")
        return self

    @model_validator(mode="after")
    def _keys_off_only_on_loopback(self) -> GatewaySettings:
        if not self.require_api_keys and self.host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"require_api_keys=false serves every route without a key; it is allowed only on a loopback"
                f" host ({', '.join(LOOPBACK_HOSTS)}), not {self.host!r}"
            )
        return self
