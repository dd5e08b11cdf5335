"""Five-point alignment against OpenCV's FaceRecognizerSF.alignCrop, and the transform it rests on."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.config import ModelSettings
from libs.faces import FaceEngine
from libs.faces.align import ARCFACE_TEMPLATE, align_face, align_faces, similarity_transform
from libs.imaging.decode import decode_image
from libs.models import resolve

pytestmark = pytest.mark.unit

PHOTOS = [
    "face_recognition/tests/test_images/obama.jpg",
    "face-api.js/examples/images/angry.jpg",
    "face-api.js/examples/images/bbt1.jpg",
]


@pytest.fixture(scope="module")
def opencv_recognizer(model_settings: ModelSettings) -> cv2.FaceRecognizerSF:
    # alignCrop runs no network, but creating the recognizer loads one. OpenCV 5 cannot read the official
    # int8bq SFace file (MODELS.md), so it gets a model it can read, which is never run.
    return cv2.FaceRecognizerSF.create(str(resolve("yunet", model_settings)), "")


@pytest.mark.parametrize("relative", PHOTOS)
def test_alignment_matches_opencv_align_crop(
    relative: str, faces_dir: Path, face_engine: FaceEngine, opencv_recognizer: cv2.FaceRecognizerSF
) -> None:
    image = decode_image((faces_dir / relative).read_bytes())
    faces = face_engine.detect(image)
    assert faces
    crops = align_faces(image, faces)
    for face, crop in zip(faces, crops, strict=True):
        row = np.array([*face.box, *face.landmarks_array().ravel(), face.score], dtype=np.float32)[None]
        expected = opencv_recognizer.alignCrop(image, row)
        difference = np.abs(crop.astype(np.int16) - expected.astype(np.int16))
        # Same transform up to float rounding: a few pixels on sharp edges may differ by a grey level or two.
        assert difference.mean() < 0.5 and np.percentile(difference, 99) <= 3


def test_transform_recovers_a_known_similarity() -> None:
    angle, scale, shift = np.deg2rad(25.0), 1.7, np.array([13.0, -4.0])
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    source = (ARCFACE_TEMPLATE - shift) @ np.linalg.inv(rotation).T
    matrix = similarity_transform(source)
    np.testing.assert_allclose(source @ matrix[:, :2].T + matrix[:, 2], ARCFACE_TEMPLATE, atol=1e-9)


def test_mirrored_landmarks_are_not_fitted_by_a_reflection() -> None:
    mirrored = ARCFACE_TEMPLATE * [-1.0, 1.0]
    linear = similarity_transform(mirrored)[:, :2]
    assert np.linalg.det(linear) > 0


def test_batch_of_faces_equals_one_at_a_time(faces_dir: Path, face_engine: FaceEngine) -> None:
    image = decode_image((faces_dir / "face-api.js/examples/images/bbt1.jpg").read_bytes())
    faces = face_engine.detect(image)
    crops = align_faces(image, faces)
    assert crops.shape == (len(faces), 112, 112, 3) and crops.dtype == np.uint8
    for face, crop in zip(faces, crops, strict=True):
        np.testing.assert_array_equal(crop, align_face(image, face))
    assert align_faces(image, []).shape == (0, 112, 112, 3)
