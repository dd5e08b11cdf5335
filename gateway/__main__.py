"""`python -m gateway`: serve the REST API until SIGTERM/SIGINT.

uvicorn handles the signals: it stops accepting connections, lets in-flight requests finish within
`grace_seconds`, then runs the app's shutdown (which closes the backend channels).
"""

from __future__ import annotations

import uvicorn

from gateway.app import create_app
from gateway.settings import GatewaySettings
from libs.observability.logs import configure_logging
from libs.observability.tracing import install_tracing, shutdown_tracing


def main() -> None:
    settings = GatewaySettings()
    configure_logging(settings.log_level, settings.log_format)
    install_tracing("gateway", settings.otlp_endpoint)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="asyncio",  # grpc.aio runs on the standard asyncio loop
        access_log=False,  # gateway.access logs each request with its X-RequestID
        log_config=None,  # keep the logging configured above
        timeout_graceful_shutdown=settings.grace_seconds,
        timeout_keep_alive=settings.keep_alive_seconds,
        server_header=False,
        ssl_certfile=settings.https_cert,  # None for both = plain HTTP
        ssl_keyfile=settings.https_key,
    )
    shutdown_tracing()


if __name__ == "__main__":
    main()
