"""DetectionService over gRPC: proto ↔ `libs.usecases.detect` mapping only."""

from __future__ import annotations

from functools import partial

import grpc
from visage.detection.v1 import detection_pb2, detection_pb2_grpc

from libs.config import ImageLimits
from libs.rpc import RpcServer, create_server
from libs.usecases import DetectRequest, DetectResult, detect_faces
from services.common.calls import logged_call
from services.common.inference import InferenceRunner
from services.common.mapping import crop_request, points
from services.detection.settings import DetectionSettings

SERVICE_NAME = detection_pb2.DESCRIPTOR.services_by_name["DetectionService"].full_name


class DetectionServicer(detection_pb2_grpc.DetectionServiceServicer):
    def __init__(self, runner: InferenceRunner, limits: ImageLimits) -> None:
        self._runner = runner
        self._limits = limits

    async def Detect(
        self, request: detection_pb2.DetectRequest, context: grpc.aio.ServicerContext
    ) -> detection_pb2.DetectResponse:
        with logged_call(context, "Detect", request.tag) as call:
            command = detect_request(request)
            result = await self._runner.run(lambda engine: detect_faces(engine, command, self._limits))
            call.outcome = f"faces={len(result.detections)}"
            return detect_response(result)


def detect_request(request: detection_pb2.DetectRequest) -> DetectRequest:
    params = request.process_param
    return DetectRequest(
        image=request.image,
        scenario=params.scenario if params.HasField("scenario") else None,
        only_central_face=params.only_central_face if params.HasField("only_central_face") else None,
        crop=crop_request(params.output_image_params),
    )


def detect_response(result: DetectResult) -> detection_pb2.DetectResponse:
    detections = [
        detection_pb2.Detection(roi=face.roi, landmarks=points(face.landmarks), crop=face.crop)
        for face in result.detections
    ]
    return detection_pb2.DetectResponse(
        code=result.code,
        results=detection_pb2.DetectResult(
            detections=detections,
            detector_type=result.detector_type,
            landmarks_type=result.landmarks_type,
            scenario=result.scenario,
            elapsed_time=result.elapsed_ms,
        ),
    )


async def create_detection_server(settings: DetectionSettings, runner: InferenceRunner) -> RpcServer:
    """The bound, not yet started server (health NOT_SERVING until `mark_serving`)."""
    servicer = DetectionServicer(runner, settings.limits)
    register = partial(detection_pb2_grpc.add_DetectionServiceServicer_to_server, servicer)
    return await create_server(settings.server, settings.tls, [register], [SERVICE_NAME])
