"""The liveness service put together: its stores opened and migrated, every face model (detection,
descriptors for the portrait, anti-spoofing), the transactions behind LivenessService, the housekeeper."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from visage.liveness.v1 import liveness_pb2_grpc

from libs.errors import VisageError
from libs.faces import Capability, FaceEngine
from libs.liveness.housekeeping import housekeep
from libs.liveness.repository import MIGRATIONS, TransactionRepository
from libs.liveness.submission import SubmissionDesk
from libs.liveness.transactions import LivenessTransactions
from libs.observability.metrics import ServiceMetrics
from libs.rpc import create_server
from libs.secret_file import load_or_create_secret
from libs.stores.factory import migrate_database, open_database, open_objects
from libs.stores.ports import ObjectStore
from services.common.inference import InferenceRunner
from services.common.lifecycle import Assembly, ServiceSpec
from services.liveness.servicer import SERVICE_NAME, LivenessServicer
from services.liveness.settings import LivenessSettings

_log = logging.getLogger(__name__)
# `<data_dir>/liveness.db` when embedded; a PostgreSQL URL names its database itself.
DATABASE_NAME = "liveness"
# The portrait is described too (for /api/match by transaction id), and its apparent age estimated; the face
# mesh reads the eyes of PASSIVE_WITH_BLINK frames.
USES = frozenset(
    {Capability.DETECT, Capability.DESCRIBE, Capability.LIVENESS, Capability.AGE, Capability.MESH}
)


def server_secret(settings: LivenessSettings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode("utf-8")
    return load_or_create_secret(settings.secret_file)


@asynccontextmanager
async def assemble(settings: LivenessSettings, engine: FaceEngine | None = None) -> AsyncIterator[Assembly]:
    """`engine`: an already loaded one to run instead of loading the models (tests share one)."""
    metrics = ServiceMetrics("liveness")
    with InferenceRunner.for_service(settings, USES, engine, metrics) as runner:
        database = await open_database(settings.stores, DATABASE_NAME, metrics)
        objects: ObjectStore | None = None
        housekeeper: asyncio.Task[None] | None = None
        try:
            objects = await open_objects(settings.stores, metrics)
            repository = TransactionRepository(database)
            await repository.migrate()
            transactions = LivenessTransactions(
                repository, objects, server_secret(settings), settings.policy()
            )
            desk = SubmissionDesk(transactions, runner.run)
            register = partial(
                liveness_pb2_grpc.add_LivenessServiceServicer_to_server, LivenessServicer(transactions, desk)
            )
            rpc = await create_server(settings.server, settings.tls, [register], [SERVICE_NAME], metrics)
            housekeeper = asyncio.create_task(_housekeeping_loop(transactions, settings))
            yield Assembly(rpc, ready=[runner.load], metrics=metrics)
        finally:
            if housekeeper is not None:
                housekeeper.cancel()
                await asyncio.gather(housekeeper, return_exceptions=True)
            if objects is not None:
                await objects.close()
            await database.close()


async def _housekeeping_loop(transactions: LivenessTransactions, settings: LivenessSettings) -> None:
    policy = settings.housekeeping
    last_sweep = time.monotonic()
    while True:
        await asyncio.sleep(policy.interval_seconds)
        sweep = time.monotonic() - last_sweep >= policy.orphan_sweep_seconds
        try:
            await housekeep(transactions, policy.keep_for_seconds, policy.stuck_after_seconds, sweep)
        except VisageError as error:  # a store down: try again next round
            _log.warning("liveness housekeeping failed: %s", error.message)
        except Exception:
            _log.exception("liveness housekeeping failed")
        else:
            if sweep:
                last_sweep = time.monotonic()


async def migrate(settings: LivenessSettings) -> list[int]:
    """`python -m services.liveness migrate`: the transactions table, without loading any model."""
    return await migrate_database(settings.stores, DATABASE_NAME, MIGRATIONS)


SERVICE = ServiceSpec("liveness", LivenessSettings, assemble, migrate)
