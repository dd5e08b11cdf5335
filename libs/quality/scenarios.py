"""Regula's detect scenarios: named bundles of quality checks, crop settings and the central-face switch.

A known scenario name in `processParam.scenario` overrides the rest of the request; "" and unknown names are
ignored (the request's own parameters apply). Custom scenarios come from the detect service's settings as data
(`scenario_from_mapping` reads Regula's config-file shape) and take precedence over predefined ones of the
same name. Where every number comes from is in README.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from libs.errors import InvalidRequestError
from libs.faces.crop import AlignType, CropSpec, checked_crop
from libs.quality.checks import MEASURED
from libs.quality.types import (
    CHARACTERISTIC_GROUPS,
    RGB,
    QualityConfig,
    QualityRequest,
    parse_quality_request,
)

FACE_ATTRIBUTES = (
    "Age", "Emotion", "EyeLeft", "EyeRight", "Smile", "Glasses", "HeadCovering",
    "ForeheadCovering", "Mouth", "MedicalMask", "Occlusion", "StrongMakeup", "Headphones",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scenario:
    """What a scenario makes /api/detect do, in place of the request's own parameters.

    `only_central_face` None means the request's value applies; `crop` None means no portrait, unless
    `keeps_request_crop` (OldMode: the request's `outputImageParams.crop` applies); `quality` None means no
    quality assessment, whatever the request's `quality` says."""

    name: str
    only_central_face: bool | None
    crop: CropSpec | None = None
    quality: QualityRequest | None = None
    attributes: tuple[str, ...] = ()
    keeps_request_crop: bool = False


# Recommended ranges, used by QualityFull and wherever a stricter standard has nothing to say. Units and the
# origin of each number: README.md. Characteristics Visage cannot measure get [0, 0.5], a placeholder that is
# reported back but never applied (their status is always UNDETERMINED).
RECOMMENDED: dict[str, tuple[float, float]] = {
    "ImageWidth": (1200.0, 10000.0),
    "ImageHeight": (1600.0, 10000.0),
    "ImageWidthToHeight": (0.74, 0.80),
    "ImageChannelsNumber": (3.0, 3.0),
    "PaddingRatio": (0.0, 0.1),
    "FaceMidPointHorizontalPosition": (0.45, 0.55),
    "FaceMidPointVerticalPosition": (0.30, 0.50),
    "HeadWidthRatio": (0.50, 0.75),
    "HeadHeightRatio": (0.60, 0.90),
    "EyesDistance": (90.0, 10000.0),
    "Yaw": (-10.0, 10.0),
    "Pitch": (-10.0, 10.0),
    "Roll": (-10.0, 10.0),
    "BlurLevel": (0.0, 0.5),
    "NoiseLevel": (0.0, 5.0),
    "FaceDynamicRange": (6.0, 8.0),
    "TooDark": (0.0, 0.2),
    "TooLight": (0.0, 0.2),
    "FaceGlare": (0.0, 0.03),
    "ShadowsOnFace": (0.0, 0.4),
    "BackgroundUniformity": (0.0, 0.1),
    "BackgroundColorMatch": (0.0, 0.15),
    "OtherFaces": (0.0, 0.0),
    "UnnaturalSkinTone": (0.0, 0.5),
    "ShadowsOnBackground": (0.0, 0.25),
    # Flaw scores of the trait models, 0.5 = the decision boundary (libs/quality/traits.py)
    "EyeRightClosed": (0.0, 0.5),
    "EyeLeftClosed": (0.0, 0.5),
    "OffGaze": (0.0, 0.5),
    "EyesRed": (0.0, 0.5),
    "MouthOpen": (0.0, 0.5),
    "Smile": (0.0, 0.5),
    "ExpressionLevel": (0.0, 0.5),
}
UNMEASURED_PLACEHOLDER = (0.0, 0.5)
# ISO/IEC 19794-5 full-frontal pose limits, used by the document-photo scenarios.
ISO_POSE = {"Yaw": (-5.0, 5.0), "Pitch": (-5.0, 5.0), "Roll": (-8.0, 8.0)}


def recommended_range(name: str) -> tuple[float, float]:
    return RECOMMENDED.get(name, UNMEASURED_PLACEHOLDER)


def _quality(
    names: Sequence[str], overrides: Mapping[str, tuple[float, float]], color: RGB | None
) -> QualityRequest:
    config = tuple(QualityConfig(name, overrides.get(name, recommended_range(name))) for name in names)
    return QualityRequest(config, color)


# Document photos (ICAO 9303 / ISO/IEC 19794-5): what the standards regulate, measurable or not.
_DOCUMENT_PHOTO_CHECKS = (
    "ImageWidth", "ImageHeight", "ImageWidthToHeight", "ImageChannelsNumber", "PaddingRatio",
    "FaceMidPointHorizontalPosition", "FaceMidPointVerticalPosition", "HeadWidthRatio", "HeadHeightRatio",
    "EyesDistance", "Yaw", "Pitch", "Roll",
    "BlurLevel", "NoiseLevel", "FaceDynamicRange", "UnnaturalSkinTone",
    "EyeRightClosed", "EyeLeftClosed", "EyeRightOccluded", "EyeLeftOccluded", "EyesRed",
    "EyeRightCoveredWithHair", "EyeLeftCoveredWithHair", "OffGaze",
    "TooDark", "TooLight", "FaceGlare", "ShadowsOnFace",
    "ShouldersPose", "ExpressionLevel", "MouthOpen", "Smile",
    "DarkGlasses", "ReflectionOnGlasses", "FramesTooHeavy", "FaceOccluded", "HeadCovering",
    "ForeheadCovering", "Headphones", "MedicalMask",
    "BackgroundUniformity", "ShadowsOnBackground", "OtherFaces",
)  # fmt: skip
_ICAO_RANGES = {
    **ISO_POSE,
    "PaddingRatio": (0.0, 0.05),
    "HeadHeightRatio": (0.70, 0.80),  # ICAO 35x45 mm: chin to crown 32-36 mm
}
# US Department of State photo rules: 2x2 in, head 1 to 1 3/8 in, eyes 1 1/8 to 1 3/8 in from the bottom;
# digital: square, 600x600 to 1200x1200 px, colour, plain white or off-white background.
_USA_RANGES = {
    **ISO_POSE,
    "ImageWidth": (600.0, 1200.0),
    "ImageHeight": (600.0, 1200.0),
    "ImageWidthToHeight": (1.0, 1.0),
    "PaddingRatio": (0.0, 0.05),
    "HeadHeightRatio": (0.50, 0.69),
    "FaceMidPointVerticalPosition": (0.31, 0.44),
}
WHITE: RGB = (255, 255, 255)
GREY: RGB = (128, 128, 128)

PREDEFINED: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        # Detection as before scenarios existed: the request's onlyCentralFace and crop, no quality.
        Scenario("OldMode", only_central_face=None, keeps_request_crop=True),
        Scenario(
            "QualityFull",
            only_central_face=True,
            crop=CropSpec(AlignType.ALIGN_3x4, pad_rgb=GREY),
            quality=_quality(tuple(CHARACTERISTIC_GROUPS), {}, WHITE),
        ),
        Scenario(
            "QualityICAO",
            only_central_face=True,
            crop=CropSpec(AlignType.ALIGN_7x9, pad_rgb=GREY),
            quality=_quality(_DOCUMENT_PHOTO_CHECKS, _ICAO_RANGES, None),
        ),
        Scenario(
            "QualityVisaSchengen",
            only_central_face=True,
            crop=CropSpec(AlignType.ALIGN_7x9, pad_rgb=GREY),
            quality=_quality(_DOCUMENT_PHOTO_CHECKS, _ICAO_RANGES, None),
        ),
        Scenario(
            "QualityVisaUSA",
            only_central_face=True,
            crop=CropSpec(AlignType.ALIGN_1x1, size=(600, 600), pad_rgb=WHITE),
            quality=_quality((*_DOCUMENT_PHOTO_CHECKS, "BackgroundColorMatch"), _USA_RANGES, WHITE),
        ),
        Scenario("CropCentralFace", only_central_face=True, crop=CropSpec(AlignType.ALIGN_3x4)),
        Scenario("CropAllFaces", only_central_face=False, crop=CropSpec(AlignType.ALIGN_3x4)),
        Scenario("Thumbnail", only_central_face=True, crop=CropSpec(AlignType.ALIGN_3x4)),
        Scenario("AttributesAll", only_central_face=True, attributes=FACE_ATTRIBUTES),
    )
}


def find_scenario(name: str | None, custom: Mapping[str, Scenario] | None = None) -> Scenario | None:
    """The scenario called `name`, custom ones first; None for None, "" and names nobody defined."""
    if not name:
        return None
    if custom and name in custom:
        return custom[name]
    return PREDEFINED.get(name)


def measurable(name: str) -> bool:
    """Whether Visage measures this characteristic (the others are always UNDETERMINED)."""
    return name in MEASURED


def scenario_from_mapping(data: Mapping[str, object]) -> Scenario:
    """A custom scenario from Regula's config-file shape, e.g. `{"scenario": "AA", "onlyCentralFace": true,
    "outputImageParams": {"crop": {"type": 1, "size": [300, 375]}}, "quality": {"backgroundMatchColor":
    [255, 255, 255], "config": [{"name": "Yaw", "range": [-5, 5]}]}, "attributes": {"config": [{"name":
    "Age"}]}}`. Raises InvalidRequestError on anything malformed."""
    name = data.get("scenario")
    if not isinstance(name, str) or not name:
        raise InvalidRequestError("a custom scenario needs a non-empty string `scenario` name")
    central = data.get("onlyCentralFace")
    if central is not None and not isinstance(central, bool):
        raise InvalidRequestError(f"{name}: onlyCentralFace must be true or false")
    crop = _crop_from_mapping(name, _section(name, data, "outputImageParams").get("crop"))
    quality = None
    if "quality" in data or "config" in data:
        # The older JSON config file put the list at the top: {scenario, config: [{name, range}]}.
        section = _section(name, data, "quality") if "quality" in data else {"config": data["config"]}
        color = section.get("backgroundMatchColor")
        items = section.get("config") or []
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise InvalidRequestError(f"{name}: quality.config must be a list of {{name, range}}")
        if color is not None and not isinstance(color, list | tuple):
            raise InvalidRequestError(f"{name}: quality.backgroundMatchColor must be [r, g, b]")
        pairs = [(str(i.get("name")), _numbers(name, i.get("range"))) for i in items]
        quality = parse_quality_request(pairs, color, f"{name}: quality")
    attributes = tuple(
        str(i.get("name"))
        for i in (_section(name, data, "attributes").get("config") or [])
        if isinstance(i, Mapping)
    )
    unknown = [a for a in attributes if a not in FACE_ATTRIBUTES]
    if unknown:
        raise InvalidRequestError(f"{name}: unknown attributes {unknown}")
    return Scenario(name, central, crop, quality, attributes)


def _numbers(name: str, value: object) -> tuple[float, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidRequestError(f"{name}: every quality.config item needs a range [min, max]")
    return tuple(value)


def _section(name: str, data: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise InvalidRequestError(f"{name}: {key} must be an object")
    return value


def _crop_from_mapping(name: str, crop: object) -> CropSpec | None:
    if crop is None:
        return None
    if not isinstance(crop, Mapping):
        raise InvalidRequestError(f"{name}: outputImageParams.crop must be an object")
    align, size, pad = crop.get("type"), crop.get("size") or (), crop.get("padColor") or ()
    where = f"{name}: outputImageParams.crop"
    if align is not None and (not isinstance(align, int) or isinstance(align, bool)):
        raise InvalidRequestError(f"{where}.type must be an integer 0..4")
    for key, values in (("size", size), ("padColor", pad)):
        if not (isinstance(values, list | tuple) and all(isinstance(v, int) for v in values)):
            raise InvalidRequestError(f"{where}.{key} must be a list of integers")
    return checked_crop(align, pad, size, where)
