"""The identification service put together: its stores, the matching service for descriptors, the
liveness service for `livenessTransactionId` images, the reconciler; no face models of its own.

Ready steps: migrate the schema, wait for matching to answer SERVING, start the reconciler. On exit the
reconciler stops first, then the channels and the stores close.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib import metadata

from visage.identification.v1 import identification_pb2_grpc

from libs.identification import Identification, IdentificationContext
from libs.identification.redescribe import Redescriber
from libs.identification.schema import MIGRATIONS
from libs.net.fetch import fetch_image
from libs.observability.metrics import ServiceMetrics
from libs.rpc import create_server, secure_channel, wait_healthy
from libs.stores.factory import migrate_database, open_stores
from services.common.lifecycle import Assembly, ServiceSpec
from services.common.liveness_client import open_liveness_client
from services.identification.descriptors_client import MatchingDescriptorSource
from services.identification.jobs import ReconcileLoop, RedescribeLoop
from services.identification.servicer import SERVICE_NAME, IdentificationServicer
from services.identification.settings import IdentificationSettings

# The embedded SQLite file is `<data_dir>/identification.db`; on PostgreSQL the URL names the database.
DATABASE_NAME = "identification"


def _version() -> str:
    try:
        return metadata.version("visage")
    except metadata.PackageNotFoundError:
        return "0.0.0+unknown"


@asynccontextmanager
async def assemble(settings: IdentificationSettings) -> AsyncIterator[Assembly]:
    metrics = ServiceMetrics("identification")
    stores = await open_stores(settings.stores, DATABASE_NAME, metrics)
    channel = secure_channel(settings.matching_target, settings.tls, settings.matching_server_name)
    # Not waited for at start: only match_and_search's `livenessTransactionId` images need it.
    liveness = open_liveness_client(settings, settings.tls)
    loop: ReconcileLoop | None = None
    redescribe: RedescribeLoop | None = None
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
        loop = ReconcileLoop(
            identification.reconciler,
            settings.reconcile_period_seconds,
            settings.orphan_scan_period_seconds,
            settings.vector_compaction_period_seconds,
        )
        redescribe = RedescribeLoop(Redescriber(context), settings.redescribe_period_seconds)
        servicer = IdentificationServicer(identification, f"visage {_version()}")
        register = partial(identification_pb2_grpc.add_IdentificationServiceServicer_to_server, servicer)
        rpc = await create_server(settings.server, settings.tls, [register], [SERVICE_NAME], metrics)
        matching_up = partial(wait_healthy, channel, timeout=settings.matching_startup_timeout_seconds)
        ready = [identification.migrate, matching_up, loop.start, redescribe.start]
        yield Assembly(rpc, ready=ready, metrics=metrics)
    finally:
        for job in (loop, redescribe):
            if job is not None:
                await job.stop()
        await channel.close()
        if liveness is not None:
            await liveness.close()
        await stores.aclose()


async def migrate(settings: IdentificationSettings) -> list[int]:
    """`python -m services.identification migrate`: the tables only; no other store is opened."""
    return await migrate_database(settings.stores, DATABASE_NAME, MIGRATIONS)


SERVICE = ServiceSpec("identification", IdentificationSettings, assemble, migrate)
