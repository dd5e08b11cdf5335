"""DetectionService's proto mapping for quality: request checks naming the bad item, the report's JSON."""

from __future__ import annotations

import pytest
from visage.common.v1 import image_pb2
from visage.detection.v1 import detection_pb2, params_pb2

from gateway.render import render
from libs.errors import FaceSDKResultCode, InvalidRequestError
from libs.quality import (
    QualityConfig,
    QualityDetail,
    QualityDetailsGroup,
    QualityGroup,
    QualityReport,
    QualityStatus,
)
from libs.usecases import DetectResult, FaceFinding
from services.detection.mapping import detect_request, detect_response

pytestmark = pytest.mark.unit


def request_with(quality: params_pb2.QualityRequest | None, **params: object) -> detection_pb2.DetectRequest:
    process = params_pb2.ProcessParam(quality=quality, **params)  # type: ignore[arg-type]
    return detection_pb2.DetectRequest(image=b"jpeg", process_param=process)


@pytest.mark.parametrize(
    ("config", "color", "message"),
    [
        ([("Yaw", [-5, 5]), ("Beauty", [0, 1])], [], r"processParam.quality.config\[1\]: unknown .*'Beauty'"),
        ([("Yaw", [5, -5])], [], r"config\[0\]: Yaw: range minimum 5.0 exceeds maximum -5.0"),
        ([("Yaw", [])], [], r"config\[0\]: Yaw: range must be 2 finite numbers"),
        ([("Yaw", [-5, 5])], [255, 255], r"processParam.quality.backgroundMatchColor must be exactly 3"),
        ([("Yaw", [-5, 5])], [0, 0, 256], r"backgroundMatchColor values must be integers 0..255"),
    ],
)
def test_invalid_quality_parameters_are_refused_naming_the_item(
    config: list[tuple[str, list[float]]], color: list[int], message: str
) -> None:
    quality = params_pb2.QualityRequest(
        config=[params_pb2.QualityConfig(name=n, range=r) for n, r in config], background_match_color=color
    )
    with pytest.raises(InvalidRequestError, match=message):
        detect_request(request_with(quality))


def test_quality_is_asked_for_exactly_when_the_request_carries_it() -> None:
    assert detect_request(request_with(None)).quality is None
    empty = detect_request(request_with(params_pb2.QualityRequest()))
    assert empty.quality is not None and empty.quality.config == ()
    quality = params_pb2.QualityRequest(
        config=[params_pb2.QualityConfig(name="Roll", range=[-8, 8])], background_match_color=[1, 2, 3]
    )
    # backgroundColor (background replacement) is accepted and has no effect on the request.
    output = image_pb2.OutputImageParams(background_color=[0, 0, 255])
    command = detect_request(request_with(quality, scenario="", output_image_params=output))
    assert command.quality is not None and command.quality.background_match_color == (1, 2, 3)
    assert command.quality.config == (QualityConfig("Roll", (-8.0, 8.0)),)
    assert command.crop is None and command.scenario == ""


def test_the_report_renders_as_regula_detection_quality() -> None:
    groups = (
        QualityGroup.IMAGE_CHARACTERISTICS,
        QualityGroup.HEAD_SIZE_AND_POSITION,
        QualityGroup.POSE_AND_EXPRESSION,
    )
    report = QualityReport(
        details=(
            QualityDetail(groups[1], "Yaw", (-5.0, 5.0), QualityStatus.TRUE, 1.5),
            QualityDetail(groups[0], "ImageWidth", (1200.0, 10000.0), QualityStatus.FALSE, 874.0),
            QualityDetail(groups[2], "Smile", (0.0, 0.5), QualityStatus.UNDETERMINED, None),
        ),
        details_groups=(
            QualityDetailsGroup(groups[0], "ImageCharacteristics", 1, 0),
            QualityDetailsGroup(groups[1], "HeadSizeAndPosition", 1, 1),
            QualityDetailsGroup(groups[2], "PoseAndExpression", 1, 0),
        ),
        non_compliant=("ImageWidth",),
        score=0.5,
        elapsed_ms=12.5,
    )
    finding = FaceFinding(0, (1.0, 2.0, 3.0, 4.0), ((0.0, 0.0),) * 5, 0.0, 0.9, None, report)  # type: ignore[arg-type]
    plain = FaceFinding(1, (5.0, 6.0, 7.0, 8.0), ((0.0, 0.0),) * 5, 0.0, 0.9, None)  # type: ignore[arg-type]
    result = DetectResult(FaceSDKResultCode.FACER_OK, (finding, plain), 3, 2, "QualityICAO", 20.0)
    response = detect_response(result)

    assert not response.results.detections[1].HasField("quality")  # not asked: no key at all
    body = render(response)
    quality = body["results"]["detections"][0]["quality"]
    assert "quality" not in body["results"]["detections"][1]
    assert set(quality) == {"nonCompliant", "detailsGroups", "details", "score", "elapsedTime"}
    assert quality["nonCompliant"] == ["ImageWidth"]
    assert quality["score"] == 0.5 and quality["elapsedTime"] == 12.5
    assert quality["detailsGroups"] == [
        {"groupId": 1, "name": "ImageCharacteristics", "totalCount": 1, "compliantCount": 0},
        {"groupId": 2, "name": "HeadSizeAndPosition", "totalCount": 1, "compliantCount": 1},
        {"groupId": 6, "name": "PoseAndExpression", "totalCount": 1, "compliantCount": 0},
    ]
    yaw, width, smile = quality["details"]
    assert yaw == {"groupId": 2, "name": "Yaw", "range": [-5.0, 5.0], "status": 1, "value": 1.5}
    assert (width["status"], width["value"], width["range"]) == (0, 874.0, [1200.0, 10000.0])
    # Undetermined: no value is set. The proto's `value` has no presence, so the JSON shows the default 0.
    assert smile["status"] == 2 and smile.get("value", 0) == 0
    assert not response.results.detections[0].quality.details[2].value
