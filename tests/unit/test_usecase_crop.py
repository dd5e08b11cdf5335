"""Portrait crops through the detect use case: aspect, size, pad colour, and the head where ID photos put it.

The portraits are checked the way a person would: by finding the face again in the returned JPEG.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.config import ImageLimits
from libs.faces import FaceEngine
from libs.faces.crop import LAYOUTS, AlignType
from libs.imaging import decode_image, encode_png
from libs.usecases import CropRequest, DetectRequest, detect_faces

pytestmark = pytest.mark.unit

PORTRAIT = "deepface/tests/unit/dataset/img17.jpg"  # 1000×541, one face
GROUP = "face-api.js/examples/images/bbt1.jpg"
LIMITS = ImageLimits()


def central_crop(engine: FaceEngine, data: bytes, crop: CropRequest) -> np.ndarray:
    (face,) = detect_faces(engine, DetectRequest(data, only_central_face=True, crop=crop), LIMITS).detections
    assert face.crop is not None
    return decode_image(face.crop)


def eyes_and_roll(engine: FaceEngine, portrait: np.ndarray) -> tuple[float, float, float]:
    """Eye midpoint (x, y) as fractions of the portrait's width and height, and the eye line's angle."""
    (face,) = engine.detect(portrait, only_central=True)
    (lx, ly), (rx, ry) = face.landmarks[0], face.landmarks[1]
    height, width = portrait.shape[:2]
    return (lx + rx) / 2 / width, (ly + ry) / 2 / height, math.degrees(math.atan2(ry - ly, rx - lx))


@pytest.mark.parametrize("align", list(AlignType))
def test_crop_has_the_align_types_aspect_and_the_eyes_at_the_documented_height(
    face_engine: FaceEngine, faces_dir: Path, align: AlignType
) -> None:
    portrait = central_crop(face_engine, (faces_dir / GROUP).read_bytes(), CropRequest(type=int(align)))

    layout = LAYOUTS[align]
    height, width = portrait.shape[:2]
    assert width * layout.height == height * layout.width  # exact aspect, whole pixels
    eye_x, eye_y, roll = eyes_and_roll(face_engine, portrait)
    assert eye_y == pytest.approx(layout.eye_line, abs=0.03)
    assert eye_x == pytest.approx(0.5, abs=0.03)
    assert abs(roll) < 5.0  # YuNet's landmarks alone scatter by about ±4° on upright faces


def test_crop_has_the_requested_size_when_it_fits_the_aspect_and_is_ignored_otherwise(
    face_engine: FaceEngine, faces_dir: Path
) -> None:
    data = (faces_dir / PORTRAIT).read_bytes()
    sized = central_crop(face_engine, data, CropRequest(type=int(AlignType.ALIGN_2x3), size=(200, 300)))
    not_2x3 = central_crop(face_engine, data, CropRequest(type=int(AlignType.ALIGN_2x3), size=(300, 300)))
    native = central_crop(face_engine, data, CropRequest(type=int(AlignType.ALIGN_2x3)))

    assert sized.shape[:2] == (300, 200)
    assert not_2x3.shape == native.shape  # Regula: "if it doesn't [match the type], no resize is performed"
    assert native.shape[1] * 3 == native.shape[0] * 2


def test_face_width_is_about_55_percent_of_the_crop_width(face_engine: FaceEngine, faces_dir: Path) -> None:
    portrait = central_crop(face_engine, (faces_dir / PORTRAIT).read_bytes(), CropRequest(size=(300, 400)))
    (face,) = face_engine.detect(portrait, only_central=True)
    assert face.w / 300 == pytest.approx(0.55, abs=0.06)


def test_a_tilted_head_comes_back_upright(face_engine: FaceEngine, faces_dir: Path) -> None:
    image = decode_image((faces_dir / PORTRAIT).read_bytes())
    height, width = image.shape[:2]
    # Rotate the photo 20° clockwise on a larger canvas so the whole face stays in view.
    canvas = cv2.copyMakeBorder(image, height // 2, height // 2, width // 2, width // 2, cv2.BORDER_REPLICATE)
    centre = (canvas.shape[1] / 2, canvas.shape[0] / 2)
    tilted = cv2.warpAffine(canvas, cv2.getRotationMatrix2D(centre, -20, 1.0), canvas.shape[1::-1])
    data = encode_png(tilted)

    upright = DetectRequest((faces_dir / PORTRAIT).read_bytes(), only_central_face=True)
    (before,) = detect_faces(face_engine, upright, LIMITS).detections
    (after,) = detect_faces(face_engine, DetectRequest(data, only_central_face=True), LIMITS).detections
    portrait = central_crop(face_engine, data, CropRequest(size=(300, 400)))

    # Positive = clockwise. YuNet reads only part of a tilt (here about half), hence the loose bound.
    assert after.rotation_angle > before.rotation_angle + 5
    assert abs(eyes_and_roll(face_engine, portrait)[2]) < 5.0  # the photo's own roll + 20°


def test_pad_color_fills_what_lies_outside_the_photo(face_engine: FaceEngine, faces_dir: Path) -> None:
    image = decode_image((faces_dir / PORTRAIT).read_bytes())
    # The face at the photo's top-left corner: the portrait's top-left must come from outside the photo.
    corner = np.ascontiguousarray(image[image.shape[0] // 4 :, image.shape[1] // 4 :])
    data = encode_png(corner)

    padded = central_crop(face_engine, data, CropRequest(pad_color=(255, 0, 0), size=(300, 400)))
    white = central_crop(face_engine, data, CropRequest(size=(300, 400)))

    assert np.abs(padded[5, 5].astype(int) - [0, 0, 255]).max() < 40  # BGR of RGB red, JPEG noise
    assert white[5, 5].min() > 215  # the default pad colour is white
