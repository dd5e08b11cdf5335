"""SFace descriptors: unit length, batched equals one by one, RGB input, same face across photo sizes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.faces import FaceEngine, cosine
from libs.faces.align import align_faces
from libs.imaging.decode import decode_image
from tests.photos import LabelledPhoto

pytestmark = pytest.mark.unit

GROUP_PHOTO = "face-api.js/examples/images/bbt1.jpg"


@pytest.fixture(scope="module")
def group_crops(faces_dir: Path, face_engine: FaceEngine) -> np.ndarray:
    image = decode_image((faces_dir / GROUP_PHOTO).read_bytes())
    crops = align_faces(image, face_engine.detect(image))
    assert len(crops) >= 4
    return crops


def test_descriptors_have_unit_length(face_engine: FaceEngine, group_crops: np.ndarray) -> None:
    descriptors = face_engine.embedder.embed(group_crops)
    assert descriptors.shape == (len(group_crops), 128) and descriptors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(descriptors, axis=1), 1.0, atol=1e-5)


def test_batched_embedding_equals_one_by_one(face_engine: FaceEngine, group_crops: np.ndarray) -> None:
    batched = face_engine.embedder.embed(group_crops)
    one_by_one = np.concatenate([face_engine.embedder.embed(crop[None]) for crop in group_crops])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_different_people_of_a_group_photo_do_not_match(
    face_engine: FaceEngine, group_crops: np.ndarray
) -> None:
    descriptors = face_engine.embedder.embed(group_crops)
    cosines = descriptors @ descriptors.T
    off_diagonal = cosines[~np.eye(len(cosines), dtype=bool)]
    assert off_diagonal.max() < 0.38


def test_network_sees_rgb(face_engine: FaceEngine, group_crops: np.ndarray) -> None:
    blob = face_engine.embedder.prepare(group_crops[:1])
    assert blob.shape == (1, 3, 112, 112) and blob.dtype == np.float32
    np.testing.assert_array_equal(blob[0, 0], group_crops[0, :, :, 2])  # red plane first


def test_same_face_at_another_resolution_keeps_its_descriptor(
    face_engine: FaceEngine, labels: list[LabelledPhoto]
) -> None:
    (letterboxed,) = (photo for photo in labels if photo.path == "derived/obama-1080p.jpg")
    image = decode_image(letterboxed.file.read_bytes())
    smaller = cv2.resize(image, (960, 540), interpolation=cv2.INTER_AREA)
    first = face_engine.analyze(image, only_central=True).descriptors[0]
    second = face_engine.analyze(smaller, only_central=True).descriptors[0]
    assert cosine(first, second) > 0.95


def test_no_face_gives_an_empty_descriptor_matrix(face_engine: FaceEngine) -> None:
    blank = np.full((200, 300, 3), 255, np.uint8)
    result = face_engine.analyze(blank)
    assert result.faces == () and result.descriptors.shape == (0, 128)
