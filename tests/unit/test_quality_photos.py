"""Portrait quality on real photos and on edited copies of one good portrait.

The portrait (face_recognition's alex_lacamoire/img1.jpg, 874×1200) is frontal, sharp, evenly lit, on a plain
light background. Each edit must fail exactly the checks it is about, and nothing else among the size,
position, pose, sharpness and light checks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.faces import FaceEngine
from libs.faces.detector import most_central
from libs.faces.ports import Trait
from libs.imaging.decode import decode_image
from libs.quality import (
    MEASURED,
    QualityConfig,
    QualityReport,
    QualityStatus,
    assess,
    recommended_range,
    remeasure_upright,
)
from libs.quality.geometry import FaceGeometry

pytestmark = pytest.mark.unit

PORTRAIT = "face_recognition/examples/knn_examples/train/alex_lacamoire/img1.jpg"

# Recommended ranges, except the framing of this photo, which is a head-and-shoulders shot rather than a
# passport photo: its eyes sit 24 % from the top and its head fills 42 % of the height.
FRAMING = {
    "FaceMidPointVerticalPosition": (0.15, 0.35),
    "HeadWidthRatio": (0.30, 0.55),
    "HeadHeightRatio": (0.30, 0.55),
}
CORE = (
    "ImageChannelsNumber", "PaddingRatio", "FaceMidPointHorizontalPosition", "FaceMidPointVerticalPosition",
    "HeadWidthRatio", "HeadHeightRatio", "EyesDistance", "Yaw", "Pitch", "Roll",
    "BlurLevel", "NoiseLevel", "FaceDynamicRange", "TooDark", "TooLight", "FaceGlare", "ShadowsOnFace",
)  # fmt: skip
CORE_CONFIG = [QualityConfig(name, FRAMING.get(name, recommended_range(name))) for name in CORE]


@pytest.fixture(scope="module")
def load(faces_dir: Path) -> Callable[[str], np.ndarray]:
    return lambda relative: decode_image((faces_dir / relative).read_bytes())


@pytest.fixture(scope="module")
def portrait(load: Callable[[str], np.ndarray]) -> np.ndarray:
    return load(PORTRAIT)


def central_report(
    engine: FaceEngine, image: np.ndarray, config: list[QualityConfig], **kwargs
) -> QualityReport:
    faces = engine.detect(image)
    face = most_central(faces, image.shape[1], image.shape[0])
    assert face is not None
    face = remeasure_upright(image, face, engine.detect)
    (traits,) = engine.traits(image, [face], set(Trait))  # every trait: the checks take what they need
    return assess(image, face, faces, config, traits=traits, **kwargs)


def statuses(report: QualityReport) -> dict[str, QualityStatus]:
    return {d.name: d.status for d in report.details}


def values(report: QualityReport) -> dict[str, float | None]:
    return {d.name: d.value for d in report.details}


def flipped(before: QualityReport, after: QualityReport) -> set[str]:
    a, b = statuses(before), statuses(after)
    return {name for name in a if a[name] != b[name]}


def eye_midpoint(engine: FaceEngine, image: np.ndarray) -> tuple[float, float]:
    face = remeasure_upright(image, engine.detect(image)[0], engine.detect)
    x, y = FaceGeometry(face).eye_mid
    return float(x), float(y)


def rotated(image: np.ndarray, centre: tuple[float, float], degrees: float) -> np.ndarray:
    """`image` turned counter-clockwise by `degrees` about `centre`, same canvas (the face stays in place)."""
    matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    return cv2.warpAffine(image, matrix, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)


def shifted(image: np.ndarray, dx: float) -> np.ndarray:
    matrix = np.float32([[1, 0, dx], [0, 1, 0]])
    return cv2.warpAffine(image, matrix, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="module")
def baseline(face_engine: FaceEngine, portrait: np.ndarray) -> QualityReport:
    return central_report(face_engine, portrait, CORE_CONFIG)


def test_good_portrait_passes_size_position_pose_sharpness_and_light_checks(baseline: QualityReport) -> None:
    failing = {d.name: d.value for d in baseline.details if d.status is not QualityStatus.TRUE}
    assert failing == {}
    assert baseline.score == 1.0
    assert values(baseline)["EyesDistance"] > 140  # px, this photo's eyes are ~149 px apart


def test_blurred_copy_fails_blur_level_only(
    face_engine: FaceEngine, portrait: np.ndarray, baseline: QualityReport
) -> None:
    # σ = 3 px is 2 % of the eye distance: a soft focus plainly visible at the face's scale.
    report = central_report(face_engine, cv2.GaussianBlur(portrait, (0, 0), 3), CORE_CONFIG)
    assert flipped(baseline, report) == {"BlurLevel"}
    assert values(report)["BlurLevel"] > values(baseline)["BlurLevel"] + 0.1


def test_darkened_copy_fails_too_dark(
    face_engine: FaceEngine, portrait: np.ndarray, baseline: QualityReport
) -> None:
    report = central_report(face_engine, (portrait * 0.3).astype(np.uint8), CORE_CONFIG)
    changed = flipped(baseline, report)
    assert "TooDark" in changed
    # Fewer grey levels is the other honest consequence of under-exposure.
    assert changed <= {"TooDark", "FaceDynamicRange"}


@pytest.mark.parametrize("degrees", [30.0, -30.0])
def test_rotated_copy_reads_the_rotation_as_roll_and_fails_roll_only(
    face_engine: FaceEngine, portrait: np.ndarray, baseline: QualityReport, degrees: float
) -> None:
    image = rotated(portrait, eye_midpoint(face_engine, portrait), degrees)
    report = central_report(face_engine, image, CORE_CONFIG)
    roll = values(report)["Roll"]
    assert roll is not None and abs(roll - (values(baseline)["Roll"] + degrees)) < 4.0
    assert flipped(baseline, report) == {"Roll"}


def test_face_moved_sideways_fails_the_horizontal_position_only(
    face_engine: FaceEngine, portrait: np.ndarray, baseline: QualityReport
) -> None:
    # Eyes to 35 % of the width: off-centre, yet the portrait frame around the head still fits the image.
    eye_x, _ = eye_midpoint(face_engine, portrait)
    report = central_report(face_engine, shifted(portrait, 0.35 * portrait.shape[1] - eye_x), CORE_CONFIG)
    assert flipped(baseline, report) == {"FaceMidPointHorizontalPosition"}
    assert values(report)["FaceMidPointHorizontalPosition"] == pytest.approx(0.35, abs=0.02)


def test_face_at_the_image_edge_also_needs_padding(
    face_engine: FaceEngine, portrait: np.ndarray, baseline: QualityReport
) -> None:
    eye_x, _ = eye_midpoint(face_engine, portrait)
    report = central_report(face_engine, shifted(portrait, 0.16 * portrait.shape[1] - eye_x), CORE_CONFIG)
    assert flipped(baseline, report) == {"FaceMidPointHorizontalPosition", "PaddingRatio"}


def test_group_photo_fails_other_faces(face_engine: FaceEngine, load: Callable[[str], np.ndarray]) -> None:
    report = central_report(
        face_engine, load("face-api.js/examples/images/bbt1.jpg"), [QualityConfig("OtherFaces", (0, 0))]
    )
    (detail,) = report.details
    assert detail.status is QualityStatus.FALSE
    assert detail.value is not None and detail.value >= 3  # a group of five


def test_single_portrait_has_no_other_faces(
    baseline: QualityReport, face_engine: FaceEngine, portrait: np.ndarray
) -> None:
    report = central_report(face_engine, portrait, [QualityConfig("OtherFaces", (0, 0))])
    assert (report.details[0].status, report.details[0].value) == (QualityStatus.TRUE, 0.0)


def test_face_turned_to_the_image_right_reads_positive_yaw(
    face_engine: FaceEngine, load: Callable[[str], np.ndarray]
) -> None:
    # Obama looks over his left shoulder, towards the image's right side.
    report = central_report(
        face_engine, load("face_recognition/examples/knn_examples/test/obama1.jpg"), CORE_CONFIG
    )
    assert values(report)["Yaw"] > 15
    assert statuses(report)["Yaw"] is QualityStatus.FALSE


def test_grey_photo_counts_one_channel(face_engine: FaceEngine, load: Callable[[str], np.ndarray]) -> None:
    image = load("face-api.js/examples/images/amy/amy1.png")  # a greyscale crop, decoded to BGR
    report = central_report(face_engine, image, [QualityConfig("ImageChannelsNumber", (3, 3))])
    assert (report.details[0].value, report.details[0].status) == (1.0, QualityStatus.FALSE)


def test_background_colour_is_matched_against_the_requested_colour(
    face_engine: FaceEngine, portrait: np.ndarray
) -> None:
    config = [
        QualityConfig("BackgroundColorMatch", (0.0, 0.15)),
        QualityConfig("BackgroundUniformity", (0, 0.1)),
    ]
    white = central_report(face_engine, portrait, config, background_match_color=(255, 255, 255))
    black = central_report(face_engine, portrait, config, background_match_color=(0, 0, 0))
    none = central_report(face_engine, portrait, config)
    assert statuses(white) == {
        "BackgroundColorMatch": QualityStatus.TRUE,
        "BackgroundUniformity": QualityStatus.TRUE,
    }
    assert statuses(black)["BackgroundColorMatch"] is QualityStatus.FALSE
    assert (none.details[0].status, none.details[0].value) == (QualityStatus.UNDETERMINED, None)


def test_face_cut_by_the_border_leaves_its_pixel_checks_undetermined(
    face_engine: FaceEngine, portrait: np.ndarray
) -> None:
    eye_x, _ = eye_midpoint(face_engine, portrait)
    cut = portrait[:, int(eye_x) - 40 :]  # the image starts just left of the nose
    report = central_report(face_engine, np.ascontiguousarray(cut), CORE_CONFIG)
    pixel_checks = (
        "BlurLevel",
        "NoiseLevel",
        "FaceDynamicRange",
        "TooDark",
        "TooLight",
        "FaceGlare",
        "ShadowsOnFace",
    )
    assert {
        name: status for name, status in statuses(report).items() if name in pixel_checks
    } == dict.fromkeys(pixel_checks, QualityStatus.UNDETERMINED)
    assert statuses(report)["PaddingRatio"] is QualityStatus.FALSE


def test_every_unmeasured_characteristic_is_undetermined_without_a_value(
    face_engine: FaceEngine, portrait: np.ndarray
) -> None:
    report = central_report(face_engine, portrait, [], scenario="QualityFull")
    assert len(report.details) == 48
    for detail in report.details:
        if detail.name in MEASURED and detail.name != "BackgroundColorMatch":
            assert detail.status is not QualityStatus.UNDETERMINED, detail.name
        if detail.name not in MEASURED:
            assert (detail.status, detail.value) == (QualityStatus.UNDETERMINED, None), detail.name


def test_groups_count_the_details_they_summarise(face_engine: FaceEngine, portrait: np.ndarray) -> None:
    report = central_report(face_engine, portrait, [], scenario="QualityICAO")
    by_group: dict[int, list] = {}
    for detail in report.details:
        by_group.setdefault(int(detail.group_id), []).append(detail)
    assert [g.group_id for g in report.details_groups] == sorted(by_group)
    for group in report.details_groups:
        members = by_group[group.group_id]
        assert group.total_count == len(members)
        assert group.compliant_count == sum(d.status is QualityStatus.TRUE for d in members)
    determined = [d for d in report.details if d.status is not QualityStatus.UNDETERMINED]
    assert report.score == pytest.approx(
        sum(d.status is QualityStatus.TRUE for d in determined) / len(determined)
    )
    assert report.non_compliant == tuple(d.name for d in report.details if d.status is QualityStatus.FALSE)
    # This is a head-and-shoulders shot, not a passport photo: ICAO's framing rejects it.
    assert {"ImageWidth", "HeadHeightRatio"} <= set(report.non_compliant)
