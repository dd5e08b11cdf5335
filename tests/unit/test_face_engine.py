"""The engine from settings, and several threads calling it at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from libs.config import InferenceSettings, ModelSettings
from libs.faces import Capability, Face, FaceEngine
from libs.faces.ports import Trait
from libs.imaging.decode import decode_image

pytestmark = pytest.mark.unit

PHOTOS = [
    "face-api.js/examples/images/bbt1.jpg",
    "face_recognition/examples/two_people.jpg",
    "face-api.js/examples/images/angry.jpg",
    "compreface/embedding-calculator/sample_images/016_8.jpg",
]


def test_concurrent_calls_give_the_sequential_results(face_engine: FaceEngine, faces_dir: Path) -> None:
    images = [decode_image((faces_dir / p).read_bytes()) for p in PHOTOS]

    def analyze(image: np.ndarray) -> tuple[list[Face], np.ndarray, list[float]]:
        faces = face_engine.detect(image)
        return faces, face_engine.describe(image, faces), face_engine.liveness(image, faces)

    expected = [analyze(image) for image in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(
            pool.map(lambda index: (index % len(images), analyze(images[index % len(images)])), range(16))
        )
    for index, (faces, descriptors, liveness) in outcomes:
        assert faces == expected[index][0]
        np.testing.assert_allclose(descriptors, expected[index][1], atol=1e-5)
        np.testing.assert_allclose(liveness, expected[index][2], atol=1e-5)


def test_only_central_returns_the_face_nearest_the_centre(face_engine: FaceEngine, faces_dir: Path) -> None:
    image = decode_image((faces_dir / "face_recognition/examples/two_people.jpg").read_bytes())
    every = face_engine.detect(image)
    (central,) = face_engine.detect(image, only_central=True)
    assert len(every) == 2 and central in every
    distance = [np.hypot(f.center[0] - image.shape[1] / 2, f.center[1] - image.shape[0] / 2) for f in every]
    assert central == every[int(np.argmin(distance))]
    assert face_engine.detect(np.full((50, 50, 3), 255, np.uint8), only_central=True) == []


def test_traits_of_a_group_in_one_batch_equal_one_face_at_a_time(
    face_engine: FaceEngine, faces_dir: Path
) -> None:
    image = decode_image((faces_dir / PHOTOS[0]).read_bytes())
    faces = face_engine.detect(image)
    assert len(faces) >= 4
    wanted = set(Trait)
    together = face_engine.traits(image, faces, wanted)
    for face, traits in zip(faces, together, strict=True):
        (alone,) = face_engine.traits(image, [face], wanted)
        assert traits.age is not None and alone.age is not None
        assert traits.age.years == pytest.approx(alone.age.years, abs=0.05)
        assert traits.expression is not None and alone.expression is not None
        assert traits.expression.strongest[0] == alone.expression.strongest[0]
        assert traits.mesh is not None and alone.mesh is not None and traits.mesh.irises is not None
        assert np.abs(traits.mesh.points - alone.mesh.points).max() < 0.5  # pixels
        # The mesh lies on its face: the eye corners near the detector's eye landmarks.
        eye_width = np.linalg.norm(traits.mesh.points[33, :2] - traits.mesh.points[133, :2])
        right_eye_centre = traits.mesh.points[[33, 133], :2].mean(axis=0)
        assert np.linalg.norm(right_eye_centre - np.array(face.landmarks[0])) < eye_width


def test_only_what_is_asked_is_read(face_engine: FaceEngine, faces_dir: Path) -> None:
    image = decode_image((faces_dir / PHOTOS[2]).read_bytes())
    faces = face_engine.detect(image)
    (mesh_only,) = face_engine.traits(image, faces[:1], {Trait.MESH})
    assert (mesh_only.age, mesh_only.expression) == (None, None)
    assert mesh_only.mesh is not None and mesh_only.mesh.irises is None
    assert face_engine.traits(image, [], set(Trait)) == []


def test_an_engine_without_the_trait_models_says_what_it_lacks(model_settings: ModelSettings) -> None:
    engine = FaceEngine.create(model_settings, InferenceSettings(), {Capability.DETECT})
    assert engine.capabilities == {Capability.DETECT}
    face = Face(10, 10, 50, 50, 0.9, ((20, 30), (40, 30), (30, 40), (22, 50), (38, 50)))
    with pytest.raises(RuntimeError, match="without 'age'"):
        engine.traits(np.zeros((100, 100, 3), np.uint8), [face], {Trait.AGE})
