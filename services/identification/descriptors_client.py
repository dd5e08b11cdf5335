"""The `DescriptorSource` of the service: `MatchingService.ComputeDescriptors` over the mTLS channel."""

from __future__ import annotations

import grpc
import numpy as np
from visage.common.v1 import image_pb2
from visage.matching.v1 import descriptors_pb2, matching_pb2_grpc

from libs.call_context import bounded, face_limit_metadata
from libs.errors import FaceSDKResultCode
from libs.observability.tracing import outgoing_call
from libs.rpc import error_from_rpc
from libs.usecases import (
    CropRequest,
    DescriptorsRequest,
    DescriptorsResult,
    FaceDescriptor,
    FaceFinding,
    ImageDescriptors,
)

COMPUTE_DESCRIPTORS = "visage.matching.v1.MatchingService/ComputeDescriptors"


class MatchingDescriptorSource:
    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = matching_pb2_grpc.MatchingServiceStub(channel)
        self._timeout = timeout_seconds

    async def describe(self, request: DescriptorsRequest) -> DescriptorsResult:
        images = [
            descriptors_pb2.DescriptorImage(data=i.data, detect_all=i.detect_all) for i in request.images
        ]
        message = descriptors_pb2.ComputeDescriptorsRequest(
            images=images,
            output_image_params=_output_params(request.crop),
        )
        with outgoing_call(COMPUTE_DESCRIPTORS) as forwarded:  # the request id and the trace context
            try:
                response = await self._stub.ComputeDescriptors(
                    message, timeout=bounded(self._timeout), metadata=forwarded + face_limit_metadata()
                )
            except grpc.RpcError as error:
                raise error_from_rpc(error) from error
        return DescriptorsResult(tuple(_image(image) for image in response.images), response.model)


def _output_params(crop: CropRequest | None) -> image_pb2.OutputImageParams | None:
    if crop is None:
        return None
    message = image_pb2.Crop(pad_color=crop.pad_color, size=crop.size)
    if crop.type is not None:
        message.type = crop.type
    return image_pb2.OutputImageParams(crop=message)


def _image(image: descriptors_pb2.ImageDescriptors) -> ImageDescriptors:
    faces = tuple(
        FaceDescriptor(
            FaceFinding(
                face_index=face.face_index,
                roi=(face.roi[0], face.roi[1], face.roi[2], face.roi[3]),
                landmarks=tuple((p.x, p.y) for p in face.landmarks),  # type: ignore[arg-type]
                rotation_angle=face.rotation_angle,
                detection_score=face.detection_score,
                crop=face.crop if face.HasField("crop") else None,
            ),
            np.array(face.descriptor, dtype=np.float32),
        )
        for face in image.faces
    )
    return ImageDescriptors(FaceSDKResultCode(image.status), faces, image.width, image.height)
