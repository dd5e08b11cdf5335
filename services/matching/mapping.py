"""Proto ↔ domain for MatchingService."""

from __future__ import annotations

from visage.matching.v1 import descriptors_pb2, matching_pb2

from libs.usecases import (
    DescriptorImage,
    DescriptorsRequest,
    DescriptorsResult,
    FaceFinding,
    MatchImage,
    MatchRequest,
    MatchResult,
)
from services.common.mapping import comparison_results, crop_request, points


def match_request(request: matching_pb2.MatchRequest) -> MatchRequest:
    images = tuple(
        MatchImage(
            data=image.data,
            index=image.index if image.HasField("index") else None,
            type=image.type if image.HasField("type") else None,
            detect_all=image.detect_all if image.HasField("detect_all") else None,
            liveness_transaction_id=(
                image.liveness_transaction_id if image.HasField("liveness_transaction_id") else None
            ),
        )
        for image in request.images
    )
    return MatchRequest(images, crop_request(request.output_image_params))


def detection_face(face: FaceFinding) -> matching_pb2.DetectionFace:
    return matching_pb2.DetectionFace(
        face_index=face.face_index,
        landmarks=points(face.landmarks),
        rotation_angle=face.rotation_angle,
        roi=face.roi,
        crop=face.crop,
    )


def match_response(result: MatchResult) -> matching_pb2.MatchResponse:
    detections = [
        matching_pb2.MatchImageDetection(
            faces=[detection_face(face) for face in image.faces],
            image_index=image.image_index,
            status=image.status,
        )
        for image in result.detections
    ]
    return matching_pb2.MatchResponse(
        code=result.code, detections=detections, results=comparison_results(result.results)
    )


def descriptors_request(request: descriptors_pb2.ComputeDescriptorsRequest) -> DescriptorsRequest:
    images = tuple(DescriptorImage(image.data, image.detect_all) for image in request.images)
    return DescriptorsRequest(images, crop_request(request.output_image_params))


def descriptors_response(result: DescriptorsResult) -> descriptors_pb2.ComputeDescriptorsResponse:
    images = [
        descriptors_pb2.ImageDescriptors(
            status=image.status,
            faces=[
                descriptors_pb2.FaceDescriptor(
                    face_index=face.face.face_index,
                    roi=face.face.roi,
                    landmarks=points(face.face.landmarks),
                    rotation_angle=face.face.rotation_angle,
                    crop=face.face.crop,
                    detection_score=face.face.detection_score,
                    descriptor=face.descriptor.tolist(),
                )
                for face in image.faces
            ],
            width=image.width,
            height=image.height,
        )
        for image in result.images
    ]
    return descriptors_pb2.ComputeDescriptorsResponse(images=images, model=result.model)
