"""MiniFASNet liveness on the labelled live and spoof samples, and upstream's crop geometry."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from libs.faces import FaceEngine
from libs.faces.antispoof import DEFAULT_REAL_THRESHOLD, crop_box, crop_inputs
from libs.faces.types import Face
from libs.imaging.decode import decode_image
from tests.conftest import PhotoFaces
from tests.photos import LabelledPhoto

pytestmark = pytest.mark.unit


def _real_probability(engine: FaceEngine, photo: LabelledPhoto, analyzed: PhotoFaces) -> float:
    assert analyzed.central is not None, photo.path
    return engine.liveness(decode_image(photo.file.read_bytes()), [analyzed.central])[0]


def test_spoofs_score_below_the_live_capture_and_the_threshold_splits_them(
    labels: list[LabelledPhoto], photo_faces: Callable[[LabelledPhoto], PhotoFaces], face_engine: FaceEngine
) -> None:
    """Few samples (1 live, 3 attacks): this guards the pipeline, it does not certify a threshold."""
    scores = {
        (photo.kind, photo.path): _real_probability(face_engine, photo, photo_faces(photo))
        for photo in labels
        if photo.kind in ("live", "spoof")
    }
    for (kind, path), score in sorted(scores.items()):
        print(f"{kind:5s} {score:.4f} {path}")
    live = [score for (kind, _), score in scores.items() if kind == "live"]
    spoof = [score for (kind, _), score in scores.items() if kind == "spoof"]
    assert live and len(spoof) >= 3
    assert max(spoof) < min(live)
    assert max(spoof) < DEFAULT_REAL_THRESHOLD <= min(live)


def test_liveness_is_batched_over_faces(face_engine: FaceEngine, faces_dir) -> None:
    image = decode_image((faces_dir / "face-api.js/examples/images/bbt1.jpg").read_bytes())
    faces = face_engine.detect(image)
    together = face_engine.liveness(image, faces)
    alone = [face_engine.liveness(image, [face])[0] for face in faces]
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert all(0.0 <= p <= 1.0 for p in together)
    assert face_engine.liveness(image, []) == []


def _box(x: float, y: float, w: float, h: float) -> Face:
    points = tuple(
        (x + w * fx, y + h * fy) for fx, fy in ((0.3, 0.4), (0.7, 0.4), (0.5, 0.6), (0.35, 0.8), (0.65, 0.8))
    )
    return Face(x, y, w, h, 0.9, points)  # type: ignore[arg-type]


def test_crop_box_enlarges_around_the_centre() -> None:
    assert crop_box(1000, 1000, _box(450, 450, 100, 100), 2.7) == (365, 365, 635, 635)


def test_crop_box_shifts_inside_the_image() -> None:
    # 2.7 × 100 = 270 px around a face at the left edge: shifted right, not cut.
    left, top, right, bottom = crop_box(1000, 1000, _box(0, 450, 100, 100), 2.7)
    assert (left, right) == (0, 270)
    assert right - left == 270 and bottom - top == 270


def test_crop_box_scale_shrinks_when_the_image_is_too_small() -> None:
    # 4.0 × 200 = 800 px does not fit a 500 px image: the scale drops to 499 / 200.
    assert crop_box(500, 500, _box(150, 150, 200, 200), 4.0) == (0, 0, 499, 499)


def test_crop_inputs_are_bgr_0_to_255(face_engine: FaceEngine, faces_dir) -> None:
    image = decode_image((faces_dir / "face_recognition/tests/test_images/obama.jpg").read_bytes())
    faces = face_engine.detect(image)
    blob = crop_inputs(image, faces, 2.7)
    assert blob.shape == (1, 3, 80, 80) and blob.dtype == np.float32
    assert blob.max() > 1.5  # not divided by 255
