"""The detection service put together: YuNet and the trait models (age, expression, face mesh), the detect
use case behind DetectionService."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from visage.detection.v1 import detection_pb2_grpc

from libs.faces import Capability, FaceEngine
from libs.observability.metrics import ServiceMetrics
from libs.rpc import create_server
from services.common.inference import InferenceRunner
from services.common.lifecycle import Assembly, ServiceSpec
from services.detection.servicer import SERVICE_NAME, DetectionServicer
from services.detection.settings import DetectionSettings

USES = frozenset({Capability.DETECT, Capability.AGE, Capability.EXPRESSION, Capability.MESH})


def uses(settings: DetectionSettings) -> frozenset[Capability]:
    """What the service loads: without `attributes`, YuNet alone (attributes and the characteristics that
    need a model then answer undetermined)."""
    return USES if settings.attributes else frozenset({Capability.DETECT})


@asynccontextmanager
async def assemble(settings: DetectionSettings, engine: FaceEngine | None = None) -> AsyncIterator[Assembly]:
    """`engine`: an already loaded one to run instead of loading the models (tests share one)."""
    metrics = ServiceMetrics("detection")
    with InferenceRunner.for_service(settings, uses(settings), engine, metrics) as runner:
        servicer = DetectionServicer(runner, settings.limits, settings.custom_scenarios())
        register = partial(detection_pb2_grpc.add_DetectionServiceServicer_to_server, servicer)
        rpc = await create_server(settings.server, settings.tls, [register], [SERVICE_NAME], metrics)
        yield Assembly(rpc, ready=[runner.load], metrics=metrics)


SERVICE = ServiceSpec("detection", DetectionSettings, assemble)
