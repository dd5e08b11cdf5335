"""The engine from settings, and several threads calling it at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from libs.faces import Face, FaceEngine
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
