"""POST /api/detect with portrait quality: scenarios, edited photos, group photos, custom scenarios, crops."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.config import ImageLimits
from libs.faces import FaceEngine
from libs.faces.types import Face
from libs.imaging import decode_image
from libs.quality import (
    CHARACTERISTIC_GROUPS,
    MEASURED,
    PREDEFINED,
    QualityReport,
    QualityStatus,
    parse_quality_request,
)
from libs.settings import CONFIG_FILE_VARIABLE
from libs.usecases import CropRequest, DetectRequest, DetectResult, detect_faces
from services.detection.settings import DetectionSettings

pytestmark = pytest.mark.unit

PORTRAIT = "face_recognition/examples/knn_examples/train/alex_lacamoire/img1.jpg"  # 874×1200, one face
GROUP = "face-api.js/examples/images/bbt1.jpg"  # a group photo (LABELS.csv: multi)
TWO_PEOPLE = "face_recognition/examples/two_people.jpg"
LIMITS = ImageLimits()
ASPECTS = {0: (3, 4), 1: (4, 5), 2: (2, 3), 3: (1, 1), 4: (7, 9)}


@pytest.fixture(scope="module")
def read(faces_dir: Path) -> Callable[[str], bytes]:
    return lambda relative: (faces_dir / relative).read_bytes()


def png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def only_face(result: DetectResult) -> QualityReport:
    (face,) = result.detections
    assert face.quality is not None
    return face.quality


def statuses(report: QualityReport) -> dict[str, QualityStatus]:
    return {d.name: d.status for d in report.details}


@pytest.mark.parametrize("scenario", ["QualityICAO", "QualityFull"])
def test_a_quality_scenario_reports_every_configured_check_of_the_central_face(
    face_engine: FaceEngine, read: Callable[[str], bytes], scenario: str
) -> None:
    result = detect_faces(face_engine, DetectRequest(read(PORTRAIT), scenario=scenario), LIMITS)
    report = only_face(result)
    configured = PREDEFINED[scenario].quality.config  # type: ignore[union-attr]

    assert [(d.name, d.range) for d in report.details] == [(c.name, c.range) for c in configured]
    for detail in report.details:
        assert detail.group_id is CHARACTERISTIC_GROUPS[detail.name]
        if detail.name in MEASURED and detail.name != "BackgroundColorMatch":
            assert detail.value is not None and detail.status is not QualityStatus.UNDETERMINED, detail.name
        if detail.name not in MEASURED:
            assert (detail.status, detail.value) == (QualityStatus.UNDETERMINED, None), detail.name
    assert sum(g.total_count for g in report.details_groups) == len(configured)
    assert report.non_compliant == tuple(d.name for d in report.details if d.status is QualityStatus.FALSE)
    assert 0.0 < report.score < 1.0 and report.elapsed_ms > 0
    # The scenario's crop comes with it: 3:4 for QualityFull, 7:9 (35×45 mm) for QualityICAO.
    (face,) = result.detections
    assert face.crop is not None
    height, width = decode_image(face.crop).shape[:2]
    aspect_w, aspect_h = ASPECTS[PREDEFINED[scenario].crop.align]  # type: ignore[union-attr]
    assert height * aspect_w == width * aspect_h


def test_plain_detection_has_no_quality_and_costs_one_detector_call(
    face_engine: FaceEngine, read: Callable[[str], bytes]
) -> None:
    calls: list[tuple[int, int]] = []

    class Counting:
        def detect(self, image: np.ndarray, only_central: bool = False) -> list[Face]:
            calls.append(image.shape[:2])
            return face_engine.detect(image, only_central)

        def describe(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
            return face_engine.describe(image, faces)

    (plain,) = detect_faces(
        Counting(), DetectRequest(read(PORTRAIT), only_central_face=True), LIMITS
    ).detections
    assert plain.quality is None and len(calls) == 1
    calls.clear()
    request = DetectRequest(read(PORTRAIT), quality=parse_quality_request([("Roll", (-8, 8))], None))
    (assessed,) = detect_faces(Counting(), request, LIMITS).detections
    assert assessed.quality is not None and 2 <= len(calls) <= 3  # the photo, then the face upright


def test_a_blurred_copy_fails_blur_level(face_engine: FaceEngine, read: Callable[[str], bytes]) -> None:
    image = decode_image(read(PORTRAIT))
    sharp = only_face(detect_faces(face_engine, DetectRequest(png(image), scenario="QualityFull"), LIMITS))
    blurred_image = cv2.GaussianBlur(image, (0, 0), 3)  # σ = 2 % of the eye distance
    blurred = only_face(
        detect_faces(face_engine, DetectRequest(png(blurred_image), scenario="QualityFull"), LIMITS)
    )
    assert statuses(sharp)["BlurLevel"] is QualityStatus.TRUE
    assert statuses(blurred)["BlurLevel"] is QualityStatus.FALSE
    assert "BlurLevel" in blurred.non_compliant and blurred.score < sharp.score


def test_a_group_photo_fails_other_faces_even_for_the_central_face_alone(
    face_engine: FaceEngine, read: Callable[[str], bytes]
) -> None:
    quality = parse_quality_request([("OtherFaces", (0, 0)), ("EyesDistance", (10, 10000))], None)
    request = DetectRequest(read(GROUP), only_central_face=True, quality=quality)
    report = only_face(detect_faces(face_engine, request, LIMITS))
    other_faces = report.details[0]
    assert other_faces.status is QualityStatus.FALSE and other_faces.value is not None
    assert other_faces.value >= 3
    assert report.non_compliant == ("OtherFaces",) and report.score == 0.5
    # A quality scenario reports the central face only, whatever onlyCentralFace says, and fails it too.
    icao = detect_faces(
        face_engine, DetectRequest(read(GROUP), "QualityICAO", only_central_face=False), LIMITS
    )
    assert statuses(only_face(icao))["OtherFaces"] is QualityStatus.FALSE


def test_every_face_is_assessed_when_all_faces_are_asked(
    face_engine: FaceEngine, read: Callable[[str], bytes]
) -> None:
    quality = parse_quality_request([("OtherFaces", (0, 0))], None)
    result = detect_faces(face_engine, DetectRequest(read(TWO_PEOPLE), quality=quality), LIMITS)
    assert len(result.detections) == 2
    assert [f.quality.details[0].value for f in result.detections if f.quality] == [1.0, 1.0]


def test_a_scenario_without_quality_drops_the_requested_quality(
    face_engine: FaceEngine, read: Callable[[str], bytes]
) -> None:
    quality = parse_quality_request([("Yaw", (-5, 5))], None)
    for scenario in ("CropCentralFace", "OldMode"):
        request = DetectRequest(read(PORTRAIT), scenario, quality=quality)
        (face,) = detect_faces(face_engine, request, LIMITS).detections
        assert face.quality is None, scenario
    unknown = DetectRequest(read(PORTRAIT), "NoSuchScenario", quality=quality)
    assert [d.name for d in only_face(detect_faces(face_engine, unknown, LIMITS)).details] == ["Yaw"]


def test_a_custom_scenario_from_the_settings_file_applies(
    face_engine: FaceEngine, read: Callable[[str], bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "visage.toml"
    config.write_text(
        """
[[detection.scenarios]]
scenario = "DeskCheck"
onlyCentralFace = false
outputImageParams = { crop = { type = 1, size = [200, 250], padColor = [0, 0, 0] } }
quality = { config = [{ name = "OtherFaces", range = [0, 1] }, { name = "Headphones", range = [0, 0.5] }] }

[[detection.scenarios]]
scenario = "QualityICAO"
onlyCentralFace = true
[detection.scenarios.quality]
backgroundMatchColor = [255, 255, 255]
config = [{ name = "BackgroundColorMatch", range = [0, 0.2] }]
""",
        encoding="utf-8",
    )
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, str(config))
    custom = DetectionSettings().custom_scenarios()

    result = detect_faces(face_engine, DetectRequest(read(TWO_PEOPLE), "DeskCheck"), LIMITS, custom)
    assert len(result.detections) == 2
    for face in result.detections:
        assert face.quality is not None and face.crop is not None
        assert [(d.name, d.status) for d in face.quality.details] == [
            ("OtherFaces", QualityStatus.TRUE),
            ("Headphones", QualityStatus.UNDETERMINED),
        ]
        assert decode_image(face.crop).shape[:2] == (250, 200)
    # A custom scenario shadows the predefined one of its name, background colour included; it has no crop.
    (face,) = detect_faces(
        face_engine, DetectRequest(read(PORTRAIT), "QualityICAO"), LIMITS, custom
    ).detections
    assert face.crop is None and face.quality is not None
    assert [(d.name, d.status) for d in face.quality.details] == [
        ("BackgroundColorMatch", QualityStatus.TRUE)
    ]


def test_a_malformed_custom_scenario_stops_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "VISAGE_DETECTION_SCENARIOS", '[{"scenario": "X", "quality": {"config": [{"name": "Y"}]}}]'
    )
    with pytest.raises(ValueError, match=r"scenarios\[0\]: X: every quality.config item needs a range"):
        DetectionSettings()


@pytest.mark.parametrize("align_type", sorted(ASPECTS))
@pytest.mark.parametrize("with_quality", [False, True])
def test_every_crop_align_type_has_its_aspect_ratio(
    face_engine: FaceEngine, read: Callable[[str], bytes], align_type: int, with_quality: bool
) -> None:
    quality = parse_quality_request([("PaddingRatio", (0, 0.1))], None) if with_quality else None
    request = DetectRequest(
        read(PORTRAIT), only_central_face=True, crop=CropRequest(type=align_type), quality=quality
    )
    (face,) = detect_faces(face_engine, request, LIMITS).detections
    assert face.crop is not None and (face.quality is not None) == with_quality
    height, width = decode_image(face.crop).shape[:2]
    aspect_w, aspect_h = ASPECTS[align_type]
    assert height * aspect_w == width * aspect_h
    assert width > 250  # the photo's own resolution: its eyes are ~150 px apart
