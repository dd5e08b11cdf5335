"""The life of a service process: listen (NOT_SERVING), load the models, SERVING, serve until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from libs.errors import ModelFileError
from libs.rpc import RpcServer, serve
from services.common.inference import InferenceRunner
from services.common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
ServerFactory = Callable[[S, InferenceRunner], Awaitable[RpcServer]]

_log = logging.getLogger(__name__)


def configure_logging(settings: ServiceSettings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


async def run_service(settings: S, create_server: ServerFactory[S]) -> None:
    """Start the server first so health answers NOT_SERVING while the models load, then serve."""
    runner = InferenceRunner(settings.inference_workers)
    rpc = await create_server(settings, runner)
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


def run_process(settings: S, create_server: ServerFactory[S]) -> int:
    """A service's `main`: the exit status (1 when the models or the TLS files or the port are unusable)."""
    configure_logging(settings)
    try:
        asyncio.run(run_service(settings, create_server))
    except ModelFileError as error:
        _log.error("cannot load the models: %s", error.message)
        return 1
    except OSError as error:  # TLS file missing, port taken
        _log.error("cannot start: %s", error)
        return 1
    return 0
