"""The matching service put together: YuNet and SFace, the match and descriptor use cases behind
MatchingService, and a client of the liveness service for `livenessTransactionId` images."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from visage.matching.v1 import matching_pb2_grpc

from libs.faces import Capability, FaceEngine
from libs.observability.metrics import ServiceMetrics
from libs.rpc import create_server
from services.common.inference import InferenceRunner
from services.common.lifecycle import Assembly, ServiceSpec
from services.common.liveness_client import open_liveness_client
from services.matching.servicer import SERVICE_NAME, MatchingServicer
from services.matching.settings import MatchingSettings

USES = frozenset({Capability.DETECT, Capability.DESCRIBE})


@asynccontextmanager
async def assemble(settings: MatchingSettings, engine: FaceEngine | None = None) -> AsyncIterator[Assembly]:
    """`engine`: an already loaded one to run instead of loading the models (tests share one)."""
    metrics = ServiceMetrics("matching")
    with InferenceRunner.for_service(settings, USES, engine, metrics) as runner:
        # Not waited for at start: only `livenessTransactionId` images need it, and it may start later.
        liveness = open_liveness_client(settings, settings.tls)
        try:
            servicer = MatchingServicer(runner, settings, liveness)
            register = partial(matching_pb2_grpc.add_MatchingServiceServicer_to_server, servicer)
            rpc = await create_server(settings.server, settings.tls, [register], [SERVICE_NAME], metrics)
            yield Assembly(rpc, ready=[runner.load], metrics=metrics)
        finally:
            if liveness is not None:
                await liveness.close()


SERVICE = ServiceSpec("matching", MatchingSettings, assemble)
