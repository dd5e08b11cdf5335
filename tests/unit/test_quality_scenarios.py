"""Scenarios, request validation and the report's bookkeeping, on a synthetic image (no models)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from libs.errors import InvalidRequestError
from libs.faces.types import Face
from libs.quality import (
    CHARACTERISTIC_GROUPS,
    MEASURED,
    PREDEFINED,
    QualityConfig,
    QualityGroup,
    QualityStatus,
    Scenario,
    assess,
    find_scenario,
    scenario_from_mapping,
)
from libs.quality.geometry import FaceGeometry

pytestmark = pytest.mark.unit

REGULA_SCENARIOS = (
    "OldMode", "QualityFull", "QualityICAO", "QualityVisaSchengen", "QualityVisaUSA",
    "CropCentralFace", "CropAllFaces", "Thumbnail", "AttributesAll",
)  # fmt: skip


def face_at(cx: float, cy: float, eyes: float, tilt_degrees: float = 0.0) -> Face:
    """A face with landmarks on the median YuNet layout, eyes `eyes` px apart, tilted counter-clockwise."""
    layout = np.array([[-0.5, 0], [0.5, 0], [0, 0.594], [-0.432, 1.043], [0.432, 1.043]]) * eyes
    angle = math.radians(tilt_degrees)
    turn = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    points = layout @ turn.T + [cx, cy]
    return Face(cx - eyes, cy - eyes, 2 * eyes, 2.6 * eyes, 0.9, tuple(map(tuple, points)))  # type: ignore[arg-type]


def grey_image(width: int = 600, height: int = 800) -> np.ndarray:
    return np.full((height, width, 3), 200, dtype=np.uint8)


def test_every_regula_scenario_is_predefined_and_empty_or_unknown_names_are_ignored() -> None:
    assert set(PREDEFINED) == set(REGULA_SCENARIOS)
    assert find_scenario("") is None
    assert find_scenario(None) is None
    assert find_scenario("NoSuchScenario") is None


def test_document_photo_scenarios_use_the_iso_pose_limits_and_their_crops() -> None:
    icao = PREDEFINED["QualityICAO"]
    ranges = {c.name: c.range for c in icao.quality.config}  # type: ignore[union-attr]
    assert (ranges["Yaw"], ranges["Pitch"], ranges["Roll"]) == ((-5, 5), (-5, 5), (-8, 8))
    assert ranges["HeadHeightRatio"] == (0.70, 0.80)
    assert icao.crop is not None and icao.crop.align == 4  # 7:9 = 35x45 mm
    usa = PREDEFINED["QualityVisaUSA"]
    assert usa.crop is not None and (usa.crop.align, usa.crop.size) == (3, (600, 600))
    assert usa.quality is not None and usa.quality.background_match_color == (255, 255, 255)
    assert {c.name for c in PREDEFINED["QualityFull"].quality.config} == set(CHARACTERISTIC_GROUPS)  # type: ignore[union-attr]
    assert PREDEFINED["CropAllFaces"].only_central_face is False
    assert PREDEFINED["OldMode"].only_central_face is None  # the request decides


def test_a_known_scenario_replaces_the_requested_config() -> None:
    face = face_at(300, 300, 100)
    request = [QualityConfig("Yaw", (-1, 1))]
    report = assess(grey_image(), face, [face], request, scenario="QualityICAO")
    assert len(report.details) == len(PREDEFINED["QualityICAO"].quality.config)  # type: ignore[union-attr]
    ignored = assess(grey_image(), face, [face], request, scenario="Unheard")
    assert [d.name for d in ignored.details] == ["Yaw"]


def test_a_custom_scenario_overrides_a_predefined_one_of_the_same_name() -> None:
    custom = scenario_from_mapping(
        {
            "scenario": "QualityICAO",
            "onlyCentralFace": False,
            "outputImageParams": {"crop": {"type": 1, "size": [300, 375], "padColor": [0, 0, 0]}},
            "quality": {
                "backgroundMatchColor": [10, 20, 30],
                "config": [{"name": "EyesDistance", "range": [50, 60]}],
            },
            "attributes": {"config": [{"name": "Age"}]},
        }
    )
    assert custom.crop is not None and (custom.crop.align, custom.crop.size, custom.crop.pad_rgb) == (
        1,
        (300, 375),
        (0, 0, 0),
    )
    assert custom.attributes == ("Age",)
    assert find_scenario("QualityICAO", {"QualityICAO": custom}) is custom
    face = face_at(300, 300, 100)
    report = assess(
        grey_image(), face, [face], None, scenario="QualityICAO", scenarios={"QualityICAO": custom}
    )
    assert [(d.name, d.status, d.value) for d in report.details] == [
        ("EyesDistance", QualityStatus.FALSE, pytest.approx(100.0))
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {"onlyCentralFace": True},
        {"scenario": "X", "onlyCentralFace": "yes"},
        {"scenario": "X", "quality": {"config": [{"name": "Beauty", "range": [0, 1]}]}},
        {"scenario": "X", "quality": {"config": [{"name": "Yaw", "range": [5, -5]}]}},
        {"scenario": "X", "quality": {"config": [{"name": "Yaw"}]}},
        {"scenario": "X", "quality": {"backgroundMatchColor": [0, 0, 256]}},
        {"scenario": "X", "outputImageParams": {"crop": {"type": 9}}},
        {"scenario": "X", "attributes": {"config": [{"name": "Height"}]}},
    ],
)
def test_malformed_custom_scenarios_are_refused(bad: dict) -> None:
    with pytest.raises(InvalidRequestError):
        scenario_from_mapping(bad)


def test_quality_config_refuses_unknown_names_and_inverted_or_infinite_ranges() -> None:
    for name, bounds in (("Beauty", (0, 1)), ("Yaw", (5, -5)), ("Yaw", (0, math.inf)), ("Yaw", (1,))):
        with pytest.raises(InvalidRequestError):
            QualityConfig(name, bounds)  # type: ignore[arg-type]


def test_regula_group_ids_and_names() -> None:
    assert [(g.value, g.label) for g in QualityGroup] == [
        (1, "ImageCharacteristics"), (2, "HeadSizeAndPosition"), (3, "FaceQuality"),
        (4, "EyesCharacteristics"), (5, "ShadowsAndLightning"), (6, "PoseAndExpression"),
        (7, "HeadOcclusion"), (8, "Background"),
    ]  # fmt: skip
    assert len(CHARACTERISTIC_GROUPS) == 48
    assert CHARACTERISTIC_GROUPS["Yaw"] is QualityGroup.HEAD_SIZE_AND_POSITION
    assert CHARACTERISTIC_GROUPS["BackgroundColorMatch"] is QualityGroup.BACKGROUND


def test_score_is_compliant_over_determined_and_zero_when_nothing_was_determined() -> None:
    face = face_at(300, 300, 100)
    config = [
        QualityConfig("EyesDistance", (90, 10000)),  # 100 px: compliant
        QualityConfig("ImageWidth", (1200, 10000)),  # 600 px: not
        QualityConfig("Smile", (0, 0.5)),  # needs the expression model's reading, not given here
    ]
    report = assess(grey_image(), face, [face], config)
    assert report.score == 0.5
    assert report.non_compliant == ("ImageWidth",)
    assert [(g.group_id, g.total_count, g.compliant_count) for g in report.details_groups] == [
        (1, 1, 0),
        (2, 1, 1),
        (6, 1, 0),
    ]
    nothing = assess(grey_image(), face, [face], [QualityConfig("Smile", (0, 0.5))])
    assert (nothing.score, nothing.details[0].value) == (0.0, None)
    assert assess(grey_image(), face, [face], None).details == ()


@pytest.mark.parametrize("tilt", [-30.0, -8.0, 0.0, 12.5, 30.0])
def test_roll_is_the_counter_clockwise_tilt_of_the_eye_line(tilt: float) -> None:
    geometry = FaceGeometry(face_at(300, 300, 100, tilt))
    assert geometry.pose.roll == pytest.approx(tilt, abs=1e-6)
    # The layout is the model's own: no yaw, no pitch whatever the tilt.
    assert (geometry.pose.yaw, geometry.pose.pitch) == (pytest.approx(0, abs=0.5), pytest.approx(0, abs=0.5))


def test_head_size_does_not_depend_on_tilt() -> None:
    upright, tilted = FaceGeometry(face_at(300, 300, 100)), FaceGeometry(face_at(300, 300, 100, 25))
    assert tilted.head_height == pytest.approx(upright.head_height)
    assert tilted.head_width == pytest.approx(upright.head_width)


def test_position_checks_follow_the_eyes() -> None:
    face = face_at(150, 400, 100)  # eyes at 25 % of the width, 50 % of the height
    config = [
        QualityConfig("FaceMidPointHorizontalPosition", (0.45, 0.55)),
        QualityConfig("FaceMidPointVerticalPosition", (0.3, 0.5)),
    ]
    report = assess(grey_image(), face, [face], config)
    assert [(d.value, d.status) for d in report.details] == [
        (pytest.approx(0.25), QualityStatus.FALSE),
        (pytest.approx(0.5), QualityStatus.TRUE),
    ]


def test_measured_characteristics_are_the_documented_ones() -> None:
    assert set(MEASURED) == {
        "ImageWidth", "ImageHeight", "ImageWidthToHeight", "ImageChannelsNumber", "PaddingRatio",
        "FaceMidPointHorizontalPosition", "FaceMidPointVerticalPosition", "HeadWidthRatio", "HeadHeightRatio",
        "EyesDistance", "Yaw", "Pitch", "Roll", "BlurLevel", "NoiseLevel", "FaceDynamicRange", "TooDark",
        "TooLight", "FaceGlare", "ShadowsOnFace", "BackgroundUniformity", "BackgroundColorMatch",
        "OtherFaces", "UnnaturalSkinTone", "ShadowsOnBackground",
        # read from the trait models
        "EyeRightClosed", "EyeLeftClosed", "OffGaze", "EyesRed", "MouthOpen", "Smile", "ExpressionLevel",
    }  # fmt: skip
    assert len(MEASURED) == 32  # of Regula's 48


def test_scenario_is_a_plain_value() -> None:
    scenario = Scenario("Mine", only_central_face=True)
    assert (scenario.crop, scenario.quality, scenario.attributes) == (None, None, ())


def test_the_older_config_files_top_level_config_is_the_quality_config() -> None:
    old_style = scenario_from_mapping({"scenario": "AA", "config": [{"name": "Yaw", "range": [-5, 5]}]})
    assert old_style.quality is not None
    assert old_style.quality.config == (QualityConfig("Yaw", (-5.0, 5.0)),)
    assert old_style.crop is None and old_style.only_central_face is None


def test_custom_crop_sizes_beyond_the_largest_portrait_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match=r"1\.\.4096"):
        scenario_from_mapping({"scenario": "Big", "outputImageParams": {"crop": {"size": [5000, 6000]}}})


def test_only_old_mode_keeps_the_requested_crop() -> None:
    assert [name for name, s in PREDEFINED.items() if s.keeps_request_crop] == ["OldMode"]
