"""Aligned ID-style portraits of detected faces: upright by the eye line, head placed as on a passport photo.

Layout (all align types): the eye midpoint sits on the vertical centre line, `eye_line` of the height from the
top; the face is scaled so its width (cheek to cheek, what YuNet's box spans) is `face_width` of the crop
width. Chosen values:

    3:4, 4:5, 2:3, 7:9   eyes 42 % from the top, face width 55 % of the crop width
    1:1                  eyes 45 % from the top, face width 50 %: with less height above the eyes, the crown
                         would otherwise touch the top edge

The face width comes from the five-point similarity fit to the ArcFace template, not from the box alone, so
it is steady under small pose changes: a YuNet box spans 80.7 template units (median over 63 labelled photos,
10th-90th percentile 76-85), about 2.2 times the distance between the eyes.

Without a requested size the crop keeps the photo's own resolution (no resize, as Regula documents), capped
at `MAX_CROP_SIDE`; areas outside the photo are filled with the pad colour.

YuNet's landmarks understate roll: a face tilted 20° reads as 10-17°. Given a `redetect` function, the face is
found again in a roughly straightened 240×320 probe portrait and the portrait is built from those landmarks.
On 72 labelled faces turned by 0°, 15° and -25°, the roll left in the portrait (as YuNet measures it) fell
from a median of 5.5° (90th percentile 16.4°) to 1.5° (4.9°), and the eye-height error from 0.009 to 0.003 of
the height. The price is one more detection per portrait, at YuNet's 480×640 input (about 8 ms unloaded).
A 120×160 probe costs 40 % of that but leaves 2.6° (7.1°).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum

import cv2
import numpy as np

from libs.errors import InvalidRequestError
from libs.faces.align import similarity_transform
from libs.faces.types import Face

# YuNet box width in ArcFace-template units (see the module docstring).
FACE_WIDTH_IN_TEMPLATE = 80.7
MAX_CROP_SIDE = 4096
# Large downscales are rendered at most this big, then area-averaged, so fine detail does not alias.
_INTERMEDIATE_SIDE = 2048
WHITE = (255, 255, 255)
# The straightened view in which `refine_landmarks` looks at the face again: 3:4, face about 130 px wide.
_PROBE_SIZE = (240, 320)

Redetect = Callable[[np.ndarray], Face | None]


class AlignType(IntEnum):
    """Regula FaceImageQualityAlignType: the portrait's width:height."""

    ALIGN_3x4 = 0
    ALIGN_4x5 = 1
    ALIGN_2x3 = 2
    ALIGN_1x1 = 3
    ALIGN_7x9 = 4


@dataclass(frozen=True, slots=True)
class PortraitLayout:
    """Aspect `width:height` (small integers) and where the face goes, as fractions of the crop."""

    width: int
    height: int
    face_width: float  # face width / crop width
    eye_line: float  # eye midpoint from the top / crop height

    @property
    def aspect(self) -> float:
        return self.width / self.height


LAYOUTS: dict[AlignType, PortraitLayout] = {
    AlignType.ALIGN_3x4: PortraitLayout(3, 4, 0.55, 0.42),
    AlignType.ALIGN_4x5: PortraitLayout(4, 5, 0.55, 0.42),
    AlignType.ALIGN_2x3: PortraitLayout(2, 3, 0.55, 0.42),
    AlignType.ALIGN_1x1: PortraitLayout(1, 1, 0.50, 0.45),
    AlignType.ALIGN_7x9: PortraitLayout(7, 9, 0.55, 0.42),
}


DEFAULT_ALIGN = AlignType.ALIGN_3x4  # Regula's crop.type default (0)


@dataclass(frozen=True, slots=True)
class CropSpec:
    """What a portrait should look like. `size` is (width, height) px; `pad_rgb` fills outside the photo."""

    align: AlignType = AlignType.ALIGN_3x4
    size: tuple[int, int] | None = None
    pad_rgb: tuple[int, int, int] = WHITE

    def __post_init__(self) -> None:
        if self.size is not None and not all(0 < side <= MAX_CROP_SIDE for side in self.size):
            raise ValueError(f"crop size must be 1..{MAX_CROP_SIDE} px per side, got {self.size}")
        if len(self.pad_rgb) != 3 or not all(0 <= c <= 255 for c in self.pad_rgb):
            raise ValueError(f"pad colour must be 3 values 0..255, got {self.pad_rgb}")

    @property
    def layout(self) -> PortraitLayout:
        return LAYOUTS[self.align]

    def size_fits(self) -> bool:
        """Whether `size` has the align type's aspect, to the pixel; if not, it is ignored (Regula's rule)."""
        if self.size is None:
            return False
        width, height = self.size
        layout = self.layout
        return round(height * layout.width / layout.height) == width or (
            round(width * layout.height / layout.width) == height
        )


def checked_crop(
    align: int | None, pad_rgb: Sequence[int], size: Sequence[int], where: str = "outputImageParams.crop"
) -> CropSpec:
    """Regula's `crop` values (type, padColor, size as sent; empty = default) checked: the portrait spec, or
    InvalidRequestError naming `where`."""
    align = DEFAULT_ALIGN if align is None else align
    if align not in {member.value for member in AlignType}:
        raise InvalidRequestError(f"{where}.type must be 0..4 (FaceImageQualityAlignType), got {align}")
    pad = pad_rgb or WHITE
    if len(pad) != 3 or not all(0 <= c <= 255 for c in pad):
        raise InvalidRequestError(f"{where}.padColor must be 3 values [r, g, b] in 0..255, got {list(pad)}")
    if size and (len(size) != 2 or not all(0 < s <= MAX_CROP_SIDE for s in size)):
        raise InvalidRequestError(
            f"{where}.size must be 2 values [width, height] in 1..{MAX_CROP_SIDE}, got {list(size)}"
        )
    return CropSpec(AlignType(align), (size[0], size[1]) if size else None, (pad[0], pad[1], pad[2]))


def roll_degrees(face: Face) -> float:
    """Angle of the eye line from horizontal, -180..180; positive = the head tilts clockwise in the image."""
    (left_x, left_y), (right_x, right_y) = face.landmarks[0], face.landmarks[1]
    return math.degrees(math.atan2(right_y - left_y, right_x - left_x))


def face_width_px(face: Face) -> float:
    """The face's width in image pixels, from the five-point fit (see the module docstring)."""
    matrix = similarity_transform(face.landmarks_array())
    template_per_pixel = math.sqrt(abs(float(np.linalg.det(matrix[:, :2]))))
    return FACE_WIDTH_IN_TEMPLATE / template_per_pixel if template_per_pixel > 0 else face.w


def portrait_size(face: Face, spec: CropSpec) -> tuple[int, int]:
    """Output (width, height): the requested size when it fits the aspect, else the photo's own resolution."""
    if spec.size_fits():
        assert spec.size is not None
        return spec.size
    layout = spec.layout
    native_width = face_width_px(face) / layout.face_width
    units = max(1, round(native_width / layout.width))  # whole units keep the aspect exact
    units = min(units, MAX_CROP_SIDE // max(layout.width, layout.height))
    return units * layout.width, units * layout.height


def portrait_transform(face: Face, layout: PortraitLayout, width: int, height: int) -> np.ndarray:
    """The 2×3 affine map from image pixels to a `width`×`height` portrait of `face`."""
    eyes = (np.asarray(face.landmarks[0]) + np.asarray(face.landmarks[1])) / 2.0
    angle = math.radians(roll_degrees(face))
    scale = width * layout.face_width / face_width_px(face)
    cos, sin = scale * math.cos(angle), scale * math.sin(angle)
    # Rotate by -roll around the eye midpoint, scale, then move the eye midpoint to its place in the crop.
    linear = np.array([[cos, sin], [-sin, cos]])
    target = np.array([width / 2.0, height * layout.eye_line])
    return np.hstack([linear, (target - linear @ eyes)[:, None]])


def refine_landmarks(image_bgr: np.ndarray, face: Face, redetect: Redetect) -> Face:
    """`face` with the landmarks found again in a straightened view (see the module docstring).

    The face keeps its own landmarks when the second look finds nothing or lands on another face.
    """
    layout = LAYOUTS[AlignType.ALIGN_3x4]
    matrix = portrait_transform(face, layout, *_PROBE_SIZE)
    probe = cv2.warpAffine(
        image_bgr, matrix, _PROBE_SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    found = redetect(probe)
    if found is None:
        return face
    back = cv2.invertAffineTransform(matrix)
    points = found.landmarks_array().astype(np.float64) @ back[:, :2].T + back[:, 2]
    eyes_before = (np.asarray(face.landmarks[0]) + np.asarray(face.landmarks[1])) / 2
    if np.hypot(*((points[0] + points[1]) / 2 - eyes_before)) > 0.25 * face_width_px(face):
        return face  # not the same face
    return Face.from_arrays(np.array(face.box), face.score, points)


def crop_portrait(
    image_bgr: np.ndarray, face: Face, spec: CropSpec, redetect: Redetect | None = None
) -> np.ndarray:
    """The aligned portrait of `face` as a BGR uint8 array of `portrait_size(face, spec)`.

    `redetect` (a detector returning the face nearest the centre, or None) enables the second look.
    """
    if redetect is not None:
        face = refine_landmarks(image_bgr, face, redetect)
    width, height = portrait_size(face, spec)
    pad_bgr = tuple(float(c) for c in reversed(spec.pad_rgb))
    # Shrinking a lot in one bilinear warp skips pixels: render bigger first, then average areas down.
    render = _render_scale(face, spec.layout, width, height)
    render_w, render_h = max(width, round(width * render)), max(height, round(height * render))
    matrix = portrait_transform(face, spec.layout, render_w, render_h)
    portrait = cv2.warpAffine(
        image_bgr,
        matrix,
        (render_w, render_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=pad_bgr,
    )
    if (render_w, render_h) != (width, height):
        portrait = cv2.resize(portrait, (width, height), interpolation=cv2.INTER_AREA)
    return portrait


def _render_scale(face: Face, layout: PortraitLayout, width: int, height: int) -> float:
    """How much bigger than the output to render: up to the photo's own resolution, at most 2048 px."""
    native_width = face_width_px(face) / layout.face_width
    shrink = native_width / width  # > 1 when the output is smaller than the photo's resolution
    if shrink <= 1.0:
        return 1.0
    limit = _INTERMEDIATE_SIDE / max(width, height)
    return max(1.0, min(shrink, limit))
