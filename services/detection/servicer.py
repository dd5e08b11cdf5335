"""DetectionService over gRPC: the use case `libs.usecases.detect` behind the mapping of mapping.py."""

from __future__ import annotations

from collections.abc import Mapping

import grpc
from visage.detection.v1 import detection_pb2, detection_pb2_grpc

from libs.config import ImageLimits
from libs.quality import Scenario
from libs.usecases import detect_faces
from services.common.calls import logged_call
from services.common.inference import InferenceRunner
from services.detection.mapping import detect_request, detect_response

SERVICE_NAME = detection_pb2.DESCRIPTOR.services_by_name["DetectionService"].full_name


class DetectionServicer(detection_pb2_grpc.DetectionServiceServicer):
    def __init__(
        self, runner: InferenceRunner, limits: ImageLimits, scenarios: Mapping[str, Scenario] | None = None
    ) -> None:
        self._runner = runner
        self._limits = limits
        self._scenarios = dict(scenarios or {})  # custom detect scenarios by name

    async def Detect(
        self, request: detection_pb2.DetectRequest, context: grpc.aio.ServicerContext
    ) -> detection_pb2.DetectResponse:
        with logged_call(context, "Detect", request.tag) as call:
            command = detect_request(request)
            result = await self._runner.run(
                lambda engine: detect_faces(engine, command, self._limits, self._scenarios)
            )
            call.outcome = f"faces={len(result.detections)}"
            return detect_response(result)
