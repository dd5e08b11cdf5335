"""Which characteristics Visage measures, and how: one function per FaceQualityConfigName.

A check returns the measured value in the unit documented in README.md, or None when it cannot be measured
honestly for this face (the face runs off the image, the background is hidden, the trait model it needs did
not run...). The checks read from the trait models (eyes, mouth, gaze, expression) are in `traits.py`.
Characteristics without a function here need a model Visage does not have (glasses, mask, occlusion...): they
are always reported UNDETERMINED, with no value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from libs.faces.ports import FaceTraits
from libs.faces.types import Face
from libs.quality.background import BackgroundPixels
from libs.quality.geometry import FaceGeometry, padding_ratio
from libs.quality.photometry import FacePixels
from libs.quality.traits import TRAIT_CHECKS, TraitCheck
from libs.quality.types import RGB

NO_TRAITS = FaceTraits()


@dataclass(frozen=True, eq=False)  # holds an image: identity, not value, equality
class Subject:
    """Everything a check may look at: one face of one image, its neighbours and the request's extras."""

    image: np.ndarray
    face: Face
    all_faces: Sequence[Face]
    background_match_color: RGB | None
    frame_aspect: float  # width / height of the portrait the face would be cropped to
    traits: FaceTraits = NO_TRAITS  # what the trait models read of the face (only what was needed)

    @cached_property
    def geometry(self) -> FaceGeometry:
        return FaceGeometry(self.face)

    @cached_property
    def pixels(self) -> FacePixels:
        return FacePixels(self.image, self.geometry)

    @cached_property
    def background(self) -> BackgroundPixels:
        return BackgroundPixels(self.image, self.geometry)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


Check = Callable[[Subject], float | None]


def _channels(subject: Subject) -> float:
    """Colour channels that carry information: a grey photo decoded to BGR counts as 1."""
    image = subject.image
    if image.ndim == 2:
        return 1.0
    if image.shape[2] >= 3:
        sample = image[::3, ::3]  # a grey image is grey everywhere; a colour one differs almost anywhere
        if np.array_equal(sample[..., 0], sample[..., 1]) and np.array_equal(sample[..., 1], sample[..., 2]):
            return 1.0
    return float(image.shape[2])


def _of_visible_face(measure: Callable[[FacePixels], float]) -> Check:
    """A pixel measure of the face, reported only when the face lies (almost) entirely inside the image."""

    def check(subject: Subject) -> float | None:
        return measure(subject.pixels) if subject.pixels.visible else None

    return check


def _of_background(measure: Callable[[BackgroundPixels], float]) -> Check:
    def check(subject: Subject) -> float | None:
        return measure(subject.background) if subject.background.measurable else None

    return check


def _of_traits(check: TraitCheck) -> Check:
    return lambda subject: check(subject.image, subject.traits)


def _skin_tone(subject: Subject) -> float | None:
    # A grey photo has no skin colour to judge (ImageChannelsNumber tells it).
    if _channels(subject) < 3 or not subject.pixels.visible:
        return None
    return subject.pixels.unnatural_tone


def _color_match(subject: Subject) -> float | None:
    # Nothing to match without a colour (Regula's scenarios that use this check all set one).
    if subject.background_match_color is None or not subject.background.measurable:
        return None
    return subject.background.color_distance(subject.background_match_color)


def _other_faces(subject: Subject) -> float:
    # By box overlap, not identity: the assessed face may carry re-measured landmarks (see upright.py).
    return float(sum(1 for other in subject.all_faces if _overlap(other, subject.face) < 0.5))


def _overlap(a: Face, b: Face) -> float:
    """Intersection over union of two face boxes."""
    width = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    height = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.w * a.h + b.w * b.h - inter)


MEASURED: dict[str, Check] = {
    # 1 ImageCharacteristics
    "ImageWidth": lambda s: float(s.width),
    "ImageHeight": lambda s: float(s.height),
    "ImageWidthToHeight": lambda s: s.width / s.height,
    "ImageChannelsNumber": _channels,
    "PaddingRatio": lambda s: padding_ratio(s.geometry, s.width, s.height, s.frame_aspect),
    # 2 HeadSizeAndPosition
    "FaceMidPointHorizontalPosition": lambda s: float(s.geometry.eye_mid[0]) / s.width,
    "FaceMidPointVerticalPosition": lambda s: float(s.geometry.eye_mid[1]) / s.height,
    "HeadWidthRatio": lambda s: s.geometry.head_width / s.width,
    "HeadHeightRatio": lambda s: s.geometry.head_height / s.height,
    "EyesDistance": lambda s: s.geometry.eyes_distance,
    "Yaw": lambda s: s.geometry.pose.yaw,
    "Pitch": lambda s: s.geometry.pose.pitch,
    "Roll": lambda s: s.geometry.pose.roll,
    # 3 FaceQuality
    "BlurLevel": _of_visible_face(lambda p: p.blur_level),
    "NoiseLevel": _of_visible_face(lambda p: p.noise_level),
    "FaceDynamicRange": _of_visible_face(lambda p: p.dynamic_range),
    "UnnaturalSkinTone": _skin_tone,
    # 5 ShadowsAndLightning
    "TooDark": _of_visible_face(lambda p: p.too_dark),
    "TooLight": _of_visible_face(lambda p: p.too_light),
    "FaceGlare": _of_visible_face(lambda p: p.glare),
    "ShadowsOnFace": _of_visible_face(lambda p: p.side_shadow),
    # 8 Background
    "BackgroundUniformity": _of_background(lambda b: b.uniformity),
    "BackgroundColorMatch": _color_match,
    "ShadowsOnBackground": _of_background(lambda b: b.side_shadow),
    "OtherFaces": _other_faces,
    # 4 EyesCharacteristics, 6 PoseAndExpression: from the trait models
    **{name: _of_traits(check) for name, (_, check) in TRAIT_CHECKS.items()},
}


def measure(name: str, subject: Subject) -> float | None:
    """The value of one characteristic, or None when it is not (or cannot be) measured."""
    check = MEASURED.get(name)
    if check is None:
        return None
    value = check(subject)
    if value is None or not math.isfinite(value):
        return None
    return float(value)
