"""`python -m gateway`: serve the REST API until SIGTERM/SIGINT.

uvicorn handles the signals: it stops accepting connections, lets in-flight requests finish within
`grace_seconds`, then runs the app's shutdown (which closes the backend channels).
"""

from __future__ import annotations

import logging

import uvicorn

from gateway.app import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="asyncio",  # grpc.aio runs on the standard asyncio loop
        access_log=False,  # gateway.access logs each request with its X-RequestID
        log_config=None,  # keep the logging configured above
        timeout_graceful_shutdown=settings.grace_seconds,
        server_header=False,
        ssl_certfile=settings.https_cert,  # None for both = plain HTTP
        ssl_keyfile=settings.https_key,
    )


if __name__ == "__main__":
    main()
