"""MatchingService over gRPC: proto ↔ `libs.usecases` mapping only (see mapping.py)."""

from __future__ import annotations

import grpc
from visage.matching.v1 import descriptors_pb2, matching_pb2, matching_pb2_grpc

from libs.usecases import compute_descriptors, match_faces
from libs.usecases.match import resolve_liveness_images
from libs.usecases.ports import LivenessPortraitSource
from services.common.calls import logged_call, tenant
from services.common.inference import InferenceRunner
from services.matching.mapping import (
    descriptors_request,
    descriptors_response,
    match_request,
    match_response,
)
from services.matching.settings import MatchingSettings

SERVICE_NAME = matching_pb2.DESCRIPTOR.services_by_name["MatchingService"].full_name


class MatchingServicer(matching_pb2_grpc.MatchingServiceServicer):
    def __init__(
        self,
        runner: InferenceRunner,
        settings: MatchingSettings,
        liveness: LivenessPortraitSource | None = None,
    ) -> None:
        self._runner = runner
        self._liveness = liveness
        self._limits = settings.limits
        self._limit_per_image_type = settings.limit_per_image_type
        # Descriptors of another recognizer file live in another space; callers store this id with them.
        self._model = settings.models.recognizer

    async def Match(
        self, request: matching_pb2.MatchRequest, context: grpc.aio.ServicerContext
    ) -> matching_pb2.MatchResponse:
        with logged_call(context, "Match", request.tag) as call:
            command = await resolve_liveness_images(match_request(request), self._liveness, tenant(context))
            result = await self._runner.run(
                lambda engine: match_faces(engine, command, self._limits, self._limit_per_image_type)
            )
            faces = sum(len(image.faces) for image in result.detections)
            call.outcome = f"images={len(result.detections)} faces={faces} pairs={len(result.results)}"
            return match_response(result)

    async def ComputeDescriptors(
        self, request: descriptors_pb2.ComputeDescriptorsRequest, context: grpc.aio.ServicerContext
    ) -> descriptors_pb2.ComputeDescriptorsResponse:
        with logged_call(context, "ComputeDescriptors") as call:
            command = descriptors_request(request)
            result = await self._runner.run(
                lambda engine: compute_descriptors(engine, command, self._limits, self._model)
            )
            statuses = [int(image.status) for image in result.images]
            call.outcome = f"images={len(statuses)} statuses={statuses}"
            return descriptors_response(result)
