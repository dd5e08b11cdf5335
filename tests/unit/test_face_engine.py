"""The engine from settings, and several threads calling it at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from libs.faces import FaceEngine
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
    expected = [face_engine.analyze(image) for image in images]
    expected_liveness = [
        face_engine.liveness(image, list(r.faces)) for image, r in zip(images, expected, strict=True)
    ]

    def work(index: int) -> tuple:
        image = images[index % len(images)]
        result = face_engine.analyze(image)
        return index % len(images), result, face_engine.liveness(image, list(result.faces))

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(work, range(16)))
    for index, result, liveness in outcomes:
        assert result.faces == expected[index].faces
        np.testing.assert_allclose(result.descriptors, expected[index].descriptors, atol=1e-5)
        np.testing.assert_allclose(liveness, expected_liveness[index], atol=1e-5)


def test_only_central_returns_the_face_nearest_the_centre(face_engine: FaceEngine, faces_dir: Path) -> None:
    image = decode_image((faces_dir / "face_recognition/examples/two_people.jpg").read_bytes())
    every = face_engine.detect(image)
    (central,) = face_engine.detect(image, only_central=True)
    assert len(every) == 2 and central in every
    distance = [np.hypot(f.center[0] - image.shape[1] / 2, f.center[1] - image.shape[0] / 2) for f in every]
    assert central == every[int(np.argmin(distance))]
    assert face_engine.detect(np.full((50, 50, 3), 255, np.uint8), only_central=True) == []
