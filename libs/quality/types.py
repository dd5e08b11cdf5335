"""The vocabulary of portrait quality: Regula's characteristic names, groups, statuses and result objects.

Everything here mirrors the Regula Face SDK web API (`QualityConfig`, `QualityDetail`, `QualityDetailsGroups`,
`DetectionQuality`) field for field, so the service edge only renames fields to camelCase.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from libs.errors import InvalidRequestError

RGB = tuple[int, int, int]


class QualityStatus(IntEnum):
    """Regula FaceImageQualityStatus (wire values)."""

    FALSE = 0  # measured and outside the range
    TRUE = 1  # measured and inside the range
    UNDETERMINED = 2  # not measured: no model for it, or the face lacks what the measure needs


class QualityGroup(IntEnum):
    """Regula FaceImageQualityGroups (wire values); `label` is the FaceImageQualityGroupsStrings name."""

    IMAGE_CHARACTERISTICS = 1
    HEAD_SIZE_AND_POSITION = 2
    FACE_QUALITY = 3
    EYES_CHARACTERISTICS = 4
    SHADOWS_AND_LIGHTNING = 5
    POSE_AND_EXPRESSION = 6
    HEAD_OCCLUSION = 7
    BACKGROUND = 8

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]


_GROUP_LABELS = {
    QualityGroup.IMAGE_CHARACTERISTICS: "ImageCharacteristics",
    QualityGroup.HEAD_SIZE_AND_POSITION: "HeadSizeAndPosition",
    QualityGroup.FACE_QUALITY: "FaceQuality",
    QualityGroup.EYES_CHARACTERISTICS: "EyesCharacteristics",
    QualityGroup.SHADOWS_AND_LIGHTNING: "ShadowsAndLightning",
    QualityGroup.POSE_AND_EXPRESSION: "PoseAndExpression",
    QualityGroup.HEAD_OCCLUSION: "HeadOcclusion",
    QualityGroup.BACKGROUND: "Background",
}

_G = QualityGroup
# The 48 FaceQualityConfigName values and their groups, in the order of Regula's enum. Groups follow Regula's
# client SDKs (RFSImageCharacteristics, RFSHeadSizeAndPosition, ...); ContactLenses, which those SDKs predate,
# is put with the eyes.
CHARACTERISTIC_GROUPS: dict[str, QualityGroup] = {
    "ImageWidth": _G.IMAGE_CHARACTERISTICS,
    "ImageHeight": _G.IMAGE_CHARACTERISTICS,
    "ImageWidthToHeight": _G.IMAGE_CHARACTERISTICS,
    "ImageChannelsNumber": _G.IMAGE_CHARACTERISTICS,
    "PaddingRatio": _G.IMAGE_CHARACTERISTICS,
    "FaceMidPointHorizontalPosition": _G.HEAD_SIZE_AND_POSITION,
    "FaceMidPointVerticalPosition": _G.HEAD_SIZE_AND_POSITION,
    "HeadWidthRatio": _G.HEAD_SIZE_AND_POSITION,
    "HeadHeightRatio": _G.HEAD_SIZE_AND_POSITION,
    "EyesDistance": _G.HEAD_SIZE_AND_POSITION,
    "Yaw": _G.HEAD_SIZE_AND_POSITION,
    "Pitch": _G.HEAD_SIZE_AND_POSITION,
    "Roll": _G.HEAD_SIZE_AND_POSITION,
    "BlurLevel": _G.FACE_QUALITY,
    "NoiseLevel": _G.FACE_QUALITY,
    "EyeRightClosed": _G.EYES_CHARACTERISTICS,
    "EyeLeftClosed": _G.EYES_CHARACTERISTICS,
    "EyeRightOccluded": _G.EYES_CHARACTERISTICS,
    "EyeLeftOccluded": _G.EYES_CHARACTERISTICS,
    "EyesRed": _G.EYES_CHARACTERISTICS,
    "EyeRightCoveredWithHair": _G.EYES_CHARACTERISTICS,
    "EyeLeftCoveredWithHair": _G.EYES_CHARACTERISTICS,
    "OffGaze": _G.EYES_CHARACTERISTICS,
    "FaceDynamicRange": _G.FACE_QUALITY,
    "UnnaturalSkinTone": _G.FACE_QUALITY,
    "TooDark": _G.SHADOWS_AND_LIGHTNING,
    "TooLight": _G.SHADOWS_AND_LIGHTNING,
    "FaceGlare": _G.SHADOWS_AND_LIGHTNING,
    "ShadowsOnFace": _G.SHADOWS_AND_LIGHTNING,
    "DarkGlasses": _G.HEAD_OCCLUSION,
    "ReflectionOnGlasses": _G.HEAD_OCCLUSION,
    "FramesTooHeavy": _G.HEAD_OCCLUSION,
    "FaceOccluded": _G.HEAD_OCCLUSION,
    "HeadCovering": _G.HEAD_OCCLUSION,
    "BackgroundUniformity": _G.BACKGROUND,
    "ShadowsOnBackground": _G.BACKGROUND,
    "OtherFaces": _G.BACKGROUND,
    "ShouldersPose": _G.POSE_AND_EXPRESSION,
    "ExpressionLevel": _G.POSE_AND_EXPRESSION,
    "MouthOpen": _G.POSE_AND_EXPRESSION,
    "ForeheadCovering": _G.HEAD_OCCLUSION,
    "Smile": _G.POSE_AND_EXPRESSION,
    "StrongMakeup": _G.HEAD_OCCLUSION,
    "Headphones": _G.HEAD_OCCLUSION,
    "MedicalMask": _G.HEAD_OCCLUSION,
    "BackgroundColorMatch": _G.BACKGROUND,
    "ArtFace": _G.IMAGE_CHARACTERISTICS,
    "ContactLenses": _G.EYES_CHARACTERISTICS,
}


def validate_rgb(color: object, what: str) -> RGB:
    """`color` as an (r, g, b) tuple of 0..255 integers, or InvalidRequestError."""
    if not isinstance(color, list | tuple) or len(color) != 3:
        raise InvalidRequestError(f"{what} must be exactly 3 values [r, g, b], got {color!r}")
    if not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in color):
        raise InvalidRequestError(f"{what} values must be integers 0..255, got {color!r}")
    return (color[0], color[1], color[2])


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """Regula QualityConfig: a characteristic to assess and the range [min, max] that counts as compliant."""

    name: str
    range: tuple[float, float]

    def __post_init__(self) -> None:
        if self.name not in CHARACTERISTIC_GROUPS:
            raise InvalidRequestError(f"unknown quality characteristic {self.name!r}")
        if len(self.range) != 2 or not all(
            isinstance(v, int | float) and math.isfinite(v) for v in self.range
        ):
            raise InvalidRequestError(f"{self.name}: range must be 2 finite numbers, got {self.range!r}")
        if self.range[0] > self.range[1]:
            raise InvalidRequestError(
                f"{self.name}: range minimum {self.range[0]} exceeds maximum {self.range[1]}"
            )
        object.__setattr__(self, "range", (float(self.range[0]), float(self.range[1])))

    @property
    def group(self) -> QualityGroup:
        return CHARACTERISTIC_GROUPS[self.name]


@dataclass(frozen=True, slots=True)
class QualityRequest:
    """Regula QualityRequest: the characteristics to assess and the background colour to match, if any."""

    config: tuple[QualityConfig, ...]
    background_match_color: RGB | None = None


def parse_quality_request(
    config: Sequence[tuple[str, Sequence[float]]],
    background_match_color: Sequence[int] | None,
    where: str = "quality",
) -> QualityRequest:
    """A request's `quality` as (name, range) pairs and an RGB (None or empty: none); InvalidRequestError
    names the offending item, e.g. "processParam.quality.config[2]: unknown quality characteristic 'X'"."""
    items = []
    for index, (name, bounds) in enumerate(config):
        try:
            items.append(QualityConfig(name, tuple(bounds)))  # type: ignore[arg-type]
        except InvalidRequestError as error:
            raise InvalidRequestError(f"{where}.config[{index}]: {error.message}") from error
    color = (
        validate_rgb(tuple(background_match_color), f"{where}.backgroundMatchColor")
        if background_match_color
        else None
    )
    return QualityRequest(tuple(items), color)


@dataclass(frozen=True, slots=True)
class QualityDetail:
    """Regula QualityDetail. `value` is None exactly when `status` is UNDETERMINED (nothing was measured)."""

    group_id: QualityGroup
    name: str
    range: tuple[float, float]
    status: QualityStatus
    value: float | None

    def __post_init__(self) -> None:
        if (self.value is None) != (self.status is QualityStatus.UNDETERMINED):
            raise ValueError(f"{self.name}: a value is reported exactly when the status is determined")


@dataclass(frozen=True, slots=True)
class QualityDetailsGroup:
    """Regula QualityDetailsGroups: how many requested characteristics of one group there are and comply."""

    group_id: QualityGroup
    name: str
    total_count: int
    compliant_count: int


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Regula DetectionQuality for one face.

    `details` follow the request order; `details_groups` has one entry per group present in `details`, by
    group id; `non_compliant` names the characteristics with status FALSE; `score` is compliant / determined
    (UNDETERMINED ones count in neither; 0.0 when nothing could be determined); `elapsed_ms` is the time
    spent.
    """

    details: tuple[QualityDetail, ...]
    details_groups: tuple[QualityDetailsGroup, ...]
    non_compliant: tuple[str, ...]
    score: float
    elapsed_ms: float
