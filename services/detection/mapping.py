"""Proto ↔ `libs.usecases.detect` for DetectionService.Detect."""

from __future__ import annotations

from visage.detection.v1 import assessment_pb2, detection_pb2, params_pb2

from libs.quality import QualityDetail, QualityReport, QualityRequest, parse_quality_request
from libs.usecases import DetectRequest, DetectResult
from libs.usecases.attributes import AttributesReport, parse_attributes
from services.common.mapping import crop_request, points


def detect_request(request: detection_pb2.DetectRequest) -> DetectRequest:
    """The use case's request. `outputImageParams.backgroundColor` is not read: background replacement is
    not supported (no segmentation model), and Regula clients send it, so it is accepted and ignored."""
    params = request.process_param
    return DetectRequest(
        image=request.image,
        scenario=params.scenario if params.HasField("scenario") else None,
        only_central_face=params.only_central_face if params.HasField("only_central_face") else None,
        crop=crop_request(params.output_image_params),
        quality=quality_request(params),
        attributes=parse_attributes([item.name for item in params.attributes.config]),
    )


def quality_request(params: params_pb2.ProcessParam) -> QualityRequest | None:
    """`processParam.quality` checked (InvalidRequestError names the bad item), or None when absent."""
    if not params.HasField("quality"):
        return None
    quality = params.quality
    return parse_quality_request(
        [(item.name, tuple(item.range)) for item in quality.config],
        tuple(quality.background_match_color),
        "processParam.quality",
    )


def detect_response(result: DetectResult) -> detection_pb2.DetectResponse:
    detections = [
        detection_pb2.Detection(
            roi=face.roi,
            landmarks=points(face.landmarks),
            crop=face.crop,
            quality=None if face.quality is None else quality_message(face.quality),
            attributes=None if face.attributes is None else attributes_message(face.attributes),
        )
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


def quality_message(report: QualityReport) -> assessment_pb2.DetectionQuality:
    """Regula DetectionQuality. Details and groups keep the report's order (request order, group id)."""
    return assessment_pb2.DetectionQuality(
        non_compliant=report.non_compliant,
        details_groups=[
            assessment_pb2.QualityDetailsGroup(
                group_id=int(group.group_id),
                name=group.name,
                total_count=group.total_count,
                compliant_count=group.compliant_count,
            )
            for group in report.details_groups
        ],
        details=[_detail(detail) for detail in report.details],
        score=report.score,
        elapsed_time=report.elapsed_ms,
    )


def attributes_message(report: AttributesReport) -> assessment_pb2.DetectionAttributes:
    """Regula DetectionAttributes: Age's value is [min, max] without confidence; the others a string."""
    details = []
    for reading in report.details:
        detail = assessment_pb2.AttributeDetail(name=reading.name)
        if isinstance(reading.value, tuple):
            detail.value.list_value.extend(list(reading.value))
        else:
            detail.value.string_value = reading.value
        if reading.confidence is not None:
            detail.confidence = reading.confidence
        details.append(detail)
    return assessment_pb2.DetectionAttributes(details=details, elapsed_time=report.elapsed_ms)


def _detail(detail: QualityDetail) -> assessment_pb2.QualityDetail:
    message = assessment_pb2.QualityDetail(
        group_id=int(detail.group_id), name=detail.name, range=detail.range, status=int(detail.status)
    )
    if detail.value is not None:  # undetermined: nothing was measured, so no value is set
        message.value = detail.value
    return message
