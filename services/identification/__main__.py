"""`python -m services.identification`: configured only by its environment (see settings.py).

Listens first (health NOT_SERVING), then migrates the schema, opens the stores, waits for the matching
service, starts the reconciler and only then reports SERVING; on SIGTERM it stops in the reverse order.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from functools import partial
from importlib import metadata

from libs.errors import VisageError
from libs.identification import Identification, IdentificationContext
from libs.net.fetch import fetch_image
from libs.rpc import secure_channel, serve, wait_healthy
from libs.stores.factory import open_stores
from services.common.liveness_client import open_liveness_client
from services.common.main import configure_logging
from services.identification.descriptors_client import MatchingDescriptorSource
from services.identification.jobs import ReconcileLoop
from services.identification.servicer import create_identification_server
from services.identification.settings import IdentificationSettings

_log = logging.getLogger(__name__)

# The embedded SQLite file is `<data_dir>/identification.db`; on PostgreSQL the URL names the database.
DATABASE_NAME = "identification"


def _version() -> str:
    try:
        return metadata.version("visage")
    except metadata.PackageNotFoundError:
        return "0.0.0+unknown"


async def run(settings: IdentificationSettings) -> None:
    stores = await open_stores(settings.stores, DATABASE_NAME)
    channel = secure_channel(settings.matching_target, settings.tls, settings.matching_server_name)
    # Not waited for at startup: only match_and_search's `livenessTransactionId` images need it.
    liveness = open_liveness_client(settings, settings.tls)
    loop: ReconcileLoop | None = None
    try:
        context = IdentificationContext(
            database=stores.database,
            objects=stores.objects,
            vectors=stores.vectors,
            descriptors=MatchingDescriptorSource(channel, settings.matching_timeout_seconds),
            fetch=partial(fetch_image, policy=settings.fetch),
            config=settings.identification_config(),
            liveness=liveness,
        )
        identification = Identification(context)
        rpc = await create_identification_server(settings, identification, _version())
        await rpc.start()
        try:
            applied = await identification.migrate()
            _log.info("schema ready (migrations applied now: %s)", applied or "none")
            await wait_healthy(channel, timeout=settings.matching_startup_timeout_seconds)
            loop = ReconcileLoop(
                identification.reconciler,
                settings.reconcile_period_seconds,
                settings.orphan_scan_period_seconds,
                settings.vector_compaction_period_seconds,
            )
            loop.start()
            await rpc.mark_serving()
            _log.info("matching at %s answers; SERVING", settings.matching_target)
            await serve(rpc)
        except BaseException:
            await rpc.stop(0)
            raise
    finally:
        if loop is not None:
            await loop.stop()
        await channel.close()
        if liveness is not None:
            await liveness.close()
        await stores.aclose()


def main() -> int:
    settings = IdentificationSettings()
    configure_logging(settings)
    try:
        asyncio.run(run(settings))
    except VisageError as error:  # matching never came up, a store refused us
        _log.error("cannot start: %s", error.message)
        return 1
    except OSError as error:  # TLS file missing, port taken, a store unreachable
        _log.error("cannot start: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
