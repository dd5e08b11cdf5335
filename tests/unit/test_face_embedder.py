"""SFace descriptors: unit length, batched equals one by one, RGB input, same face across photo sizes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.faces import FaceEngine, cosine
from libs.faces.align import align_faces
from libs.faces.embedder import SFaceEmbedder
from libs.imaging.decode import decode_image
from tests.photos import LabelledPhoto

pytestmark = pytest.mark.unit

GROUP_PHOTO = "face-api.js/examples/images/bbt1.jpg"


@pytest.fixture(scope="module")
def embedder(face_engine: FaceEngine) -> SFaceEmbedder:
    assert isinstance(face_engine.describer, SFaceEmbedder)
    return face_engine.describer


def _central_descriptor(face_engine: FaceEngine, image: np.ndarray) -> np.ndarray:
    return face_engine.describe(image, face_engine.detect(image, only_central=True))[0]


@pytest.fixture(scope="module")
def group_crops(faces_dir: Path, face_engine: FaceEngine) -> np.ndarray:
    image = decode_image((faces_dir / GROUP_PHOTO).read_bytes())
    crops = align_faces(image, face_engine.detect(image))
    assert len(crops) >= 4
    return crops


def test_descriptors_have_unit_length(embedder: SFaceEmbedder, group_crops: np.ndarray) -> None:
    descriptors = embedder.embed(group_crops)
    assert descriptors.shape == (len(group_crops), 128) and descriptors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(descriptors, axis=1), 1.0, atol=1e-5)


def test_batched_embedding_equals_one_by_one(embedder: SFaceEmbedder, group_crops: np.ndarray) -> None:
    batched = embedder.embed(group_crops)
    one_by_one = np.concatenate([embedder.embed(crop[None]) for crop in group_crops])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_different_people_of_a_group_photo_do_not_match(
    embedder: SFaceEmbedder, group_crops: np.ndarray
) -> None:
    descriptors = embedder.embed(group_crops)
    cosines = descriptors @ descriptors.T
    off_diagonal = cosines[~np.eye(len(cosines), dtype=bool)]
    assert off_diagonal.max() < 0.38


def test_network_sees_rgb(embedder: SFaceEmbedder, group_crops: np.ndarray) -> None:
    blob = embedder.prepare(group_crops[:1])
    assert blob.shape == (1, 3, 112, 112) and blob.dtype == np.float32
    np.testing.assert_array_equal(blob[0, 0], group_crops[0, :, :, 2])  # red plane first


def test_same_face_at_another_resolution_keeps_its_descriptor(
    face_engine: FaceEngine, labels: list[LabelledPhoto]
) -> None:
    (letterboxed,) = (photo for photo in labels if photo.path == "derived/obama-1080p.jpg")
    image = decode_image(letterboxed.file.read_bytes())
    smaller = cv2.resize(image, (960, 540), interpolation=cv2.INTER_AREA)
    assert cosine(_central_descriptor(face_engine, image), _central_descriptor(face_engine, smaller)) > 0.95


def test_no_face_gives_an_empty_descriptor_matrix(face_engine: FaceEngine) -> None:
    blank = np.full((200, 300, 3), 255, np.uint8)
    faces = face_engine.detect(blank)
    assert faces == [] and face_engine.describe(blank, faces).shape == (0, 128)
