"""The life of every service process, written once: settings → stores → models → serve → drain.

A service describes itself with a `ServiceSpec`: its name, its settings class and `assemble`, an async
context manager that opens what the service needs (stores, clients, the inference pool), binds the gRPC
server and yields it with the steps to take before SERVING (load the models, migrate, wait for a dependency).
The lifecycle then:

1. starts listening, so health answers NOT_SERVING while the service gets ready, and serves its metrics
   (`settings.metrics`, when the assembly keeps some);
2. runs the ready steps in order, then reports SERVING;
3. serves until SIGTERM, then drains: NOT_SERVING, in-flight calls finish within the grace period;
4. leaves `assemble`, which closes what it opened in reverse order.

Every `services/<name>/__main__.py` is `sys.exit(main(SERVICE))`; `python -m services.<name> probe` is the
container's health probe (Kubernetes' gRPC probe speaks plaintext, our services mutual TLS only), and
`python -m services.<name> migrate` (services with a database) creates or upgrades its tables and exits: the
deployment's migration Job runs it before a rollout. Services still migrate at start (a no-op once done;
concurrent migrators queue on a lock), so a deployment without the Job works too.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, ExitStack
from dataclasses import dataclass
from typing import Generic, TypeVar

from libs.errors import ModelFileError, VisageError
from libs.observability.logs import configure_logging
from libs.observability.metrics import ServiceMetrics, serve_metrics
from libs.observability.tracing import install_tracing, shutdown_tracing
from libs.rpc import RpcServer, secure_channel, serve, wait_healthy
from services.common.memory import disable_transparent_huge_pages
from services.common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
ReadyStep = Callable[[], Awaitable[object]]
MODES = ("probe", "migrate")

PROBE_TIMEOUT_SECONDS = 3.0

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assembly:
    """A service put together: its bound (not started) server, what must happen before SERVING, and the
    metrics its parts report to."""

    rpc: RpcServer
    ready: Sequence[ReadyStep] = ()
    metrics: ServiceMetrics | None = None


@dataclass(frozen=True)
class ServiceSpec(Generic[S]):
    name: str
    settings: type[S]
    assemble: Callable[[S], AbstractAsyncContextManager[Assembly]]
    # Applies the pending schema migrations of the service's database; returns the versions applied now.
    migrate: Callable[[S], Awaitable[Sequence[int]]] | None = None


async def run(spec: ServiceSpec[S], settings: S) -> None:
    async with spec.assemble(settings) as assembly:
        with ExitStack() as metrics:
            if assembly.metrics is not None:
                metrics.enter_context(serve_metrics(settings.metrics, assembly.metrics.registry))
            await _serve(spec, assembly)


async def _serve(spec: ServiceSpec[S], assembly: Assembly) -> None:
    rpc = assembly.rpc
    await rpc.start()
    try:
        started = time.perf_counter()
        for step in assembly.ready:
            await step()
        _log.info("%s ready in %.2f s; SERVING", spec.name, time.perf_counter() - started)
        await rpc.mark_serving()
        await serve(rpc)
    except BaseException:
        await rpc.stop(0)
        raise


async def probe(settings: ServiceSettings, timeout: float = PROBE_TIMEOUT_SECONDS) -> None:
    """Return when the service of this pod answers SERVING, over mTLS with its own certificate."""
    target = f"127.0.0.1:{settings.server.port}"
    async with secure_channel(target, settings.tls, server_name_override="localhost") as channel:
        await wait_healthy(channel, timeout=timeout)


def main(spec: ServiceSpec[S], argv: Sequence[str] | None = None) -> int:
    """`python -m services.<name> [probe|migrate]`: the exit status (1 when it cannot start, is not serving or
    cannot migrate)."""
    args = list(sys.argv[1:] if argv is None else argv)
    modes = [mode for mode in MODES if mode != "migrate" or spec.migrate is not None]
    if args not in ([], *([mode] for mode in modes)):
        print(f"usage: python -m services.{spec.name} [{'|'.join(modes)}]", file=sys.stderr)
        return 2
    settings = spec.settings()
    if args == ["probe"]:
        try:
            asyncio.run(probe(settings))
        except (VisageError, OSError) as error:
            print(f"{spec.name} is not serving: {error}", file=sys.stderr)
            return 1
        return 0
    configure_logging(settings.log_level, settings.log_format)
    if args == ["migrate"] and spec.migrate is not None:
        try:
            applied = asyncio.run(spec.migrate(settings))
        except VisageError as error:  # the database refused us or is unreachable
            _log.error("cannot migrate: %s", error.message)
            return 1
        except OSError as error:
            _log.error("cannot migrate: %s", error)
            return 1
        _log.info("%s schema up to date; applied now: %s", spec.name, list(applied) or "none")
        return 0
    disable_transparent_huge_pages()  # before the models load: see services.common.memory
    install_tracing(spec.name, settings.otlp_endpoint)
    try:
        asyncio.run(run(spec, settings))
    except ModelFileError as error:
        _log.error("cannot load the models: %s", error.message)
        return 1
    except VisageError as error:  # a store refused us, a dependency never came up
        _log.error("cannot start: %s", error.message)
        return 1
    except (OSError, ValueError) as error:  # TLS file missing, port taken, a damaged secret file
        _log.error("cannot start: %s", error)
        return 1
    finally:
        shutdown_tracing()
    return 0
