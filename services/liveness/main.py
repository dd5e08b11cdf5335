"""The life of the liveness process: listen (NOT_SERVING), open and migrate the stores, load the models,
start the housekeeper, SERVING; on SIGTERM stop in the reverse order.

`liveness_components` assembles everything but the models, so integration tests run the same wiring with a
shared face engine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from libs.errors import ModelFileError, VisageError
from libs.liveness.housekeeping import housekeep
from libs.liveness.repository import TransactionRepository
from libs.liveness.secret import load_or_create_secret
from libs.liveness.submission import SubmissionDesk
from libs.liveness.transactions import LivenessTransactions
from libs.rpc import RpcServer, serve
from libs.stores.factory import open_database, open_objects
from libs.stores.ports import ObjectStore
from services.common.inference import InferenceRunner
from services.common.main import configure_logging
from services.liveness.servicer import create_liveness_server
from services.liveness.settings import LivenessSettings

_log = logging.getLogger(__name__)
# `<data_dir>/liveness.db` when embedded; a PostgreSQL URL names its database itself.
DATABASE_NAME = "liveness"


@dataclass
class LivenessComponents:
    rpc: RpcServer
    transactions: LivenessTransactions
    desk: SubmissionDesk


def server_secret(settings: LivenessSettings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode("utf-8")
    return load_or_create_secret(settings.secret_file)


@asynccontextmanager
async def liveness_components(
    settings: LivenessSettings, runner: InferenceRunner
) -> AsyncIterator[LivenessComponents]:
    """Stores opened and migrated, the bound server (not started), the housekeeper running."""
    database = await open_database(settings.stores, DATABASE_NAME)
    objects: ObjectStore | None = None
    housekeeper: asyncio.Task[None] | None = None
    try:
        objects = await open_objects(settings.stores)
        repository = TransactionRepository(database)
        await repository.migrate()
        transactions = LivenessTransactions(repository, objects, server_secret(settings), settings.policy())
        desk = SubmissionDesk(transactions, runner.run)
        rpc = await create_liveness_server(settings, transactions, desk)
        housekeeper = asyncio.create_task(_housekeeping_loop(transactions, settings))
        yield LivenessComponents(rpc, transactions, desk)
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


async def run(settings: LivenessSettings) -> None:
    runner = InferenceRunner(settings.inference_workers)
    try:
        async with liveness_components(settings, runner) as components:
            rpc = components.rpc
            await rpc.start()
            try:
                started = time.perf_counter()
                await runner.load(settings.model_settings(), settings.inference)
                _log.info("models loaded in %.2f s; SERVING", time.perf_counter() - started)
                await rpc.mark_serving()
                await serve(rpc)
            except BaseException:
                await rpc.stop(0)
                raise
    finally:
        runner.close()


def main() -> int:
    settings = LivenessSettings()
    configure_logging(settings)
    try:
        asyncio.run(run(settings))
    except ModelFileError as error:
        _log.error("cannot load the models: %s", error.message)
        return 1
    except VisageError as error:  # a store refused us
        _log.error("cannot start: %s", error.message)
        return 1
    except (OSError, ValueError) as error:  # TLS file missing, port taken, a damaged secret file
        _log.error("cannot start: %s", error)
        return 1
    return 0
