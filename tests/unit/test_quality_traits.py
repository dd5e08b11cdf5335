"""The quality characteristics read from the trait models and the new pixel ones: each passes a real photo
and fails another (or an edited copy of the same one, where no photo of the flaw is in the project's set).

Values are flaw scores 0..1 with the boundary at 0.5 (libs/quality/traits.py), except ShadowsOnBackground,
a brightness ratio; the ranges are the recommended ones (QualityFull)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.faces import FaceEngine
from libs.faces.detector import most_central
from libs.faces.ports import Trait
from libs.imaging.decode import decode_image
from libs.quality import QualityConfig, QualityStatus, assess, recommended_range, remeasure_upright
from libs.quality.checks import MEASURED
from libs.quality.traits import TRAIT_CHECKS, traits_for

pytestmark = pytest.mark.unit

ASTRONAUT = "skimage/skimage/data/astronaut.png"  # frontal, looking into the camera, broad smile
CAMERA = "skimage/skimage/data/camera.png"  # a photographer looking down at his camera
ANGRY = "face-api.js/examples/images/angry.jpg"  # mouth shut, frowning
SURPRISED = "face-api.js/examples/images/surprised.jpg"  # mouth wide open
NEUTRAL = "deepface/tests/unit/dataset/img19.jpg"  # a neutral face, lips closed
STUDIO = "face_recognition/examples/knn_examples/train/alex_lacamoire/img1.jpg"  # plain, evenly lit wall
# Two webcam frames of one person 75 ms apart (Eyashita/VisageTrack): eyes open, then shut while laughing
WEBCAM = "liveness/Eyashita+VisageTrack/Dataset/Real"
EYES_OPEN = f"{WEBCAM}/17010714093468506.jpg"
EYES_SHUT = f"{WEBCAM}/17010714094220314.jpg"


def red_pupils(image: np.ndarray, engine: FaceEngine) -> np.ndarray:
    """A copy with flash red-eye painted on: saturated red discs on the pupils (the eye landmarks)."""
    face = engine.detect(image, only_central=True)[0]
    copy = image.copy()
    radius = max(2, round(0.07 * np.linalg.norm(np.subtract(face.landmarks[1], face.landmarks[0]))))
    for x, y in face.landmarks[:2]:
        cv2.circle(copy, (round(x), round(y)), radius, (40, 40, 220), -1)
    return copy


def side_shadow(image: np.ndarray, engine: FaceEngine) -> np.ndarray:
    """A copy with the wall left of the head at 45 % brightness, as a light from the right would leave it."""
    face = engine.detect(image, only_central=True)[0]
    copy = image.copy()
    left = max(1, int(face.x - 0.4 * face.w))
    copy[:, :left] = (copy[:, :left] * 0.45).astype(np.uint8)
    return copy


def blue_cast(image: np.ndarray, engine: FaceEngine) -> np.ndarray:
    """Red and blue channels swapped: skin turns blue-violet."""
    del engine
    return np.ascontiguousarray(image[..., ::-1])


EDITS: dict[str, Callable[[np.ndarray, FaceEngine], np.ndarray]] = {
    "red_pupils": red_pupils,
    "side_shadow": side_shadow,
    "blue_cast": blue_cast,
}

# characteristic, photo that complies, photo (or "photo|edit") that does not
CASES = [
    ("MouthOpen", ANGRY, SURPRISED),
    ("Smile", ANGRY, ASTRONAUT),
    ("ExpressionLevel", NEUTRAL, SURPRISED),
    ("OffGaze", ASTRONAUT, CAMERA),
    ("EyesRed", ASTRONAUT, f"{ASTRONAUT}|red_pupils"),
    ("UnnaturalSkinTone", ASTRONAUT, f"{ASTRONAUT}|blue_cast"),
    ("ShadowsOnBackground", STUDIO, f"{STUDIO}|side_shadow"),
]


@pytest.fixture(scope="module")
def measured(face_engine: FaceEngine, faces_dir: Path) -> Callable[[str, str], tuple[QualityStatus, float]]:
    def measure(name: str, photo: str) -> tuple[QualityStatus, float]:
        path, _, edit = photo.partition("|")
        image = decode_image((faces_dir / path).read_bytes())
        if edit:
            image = EDITS[edit](image, face_engine)
        faces = face_engine.detect(image)
        face = most_central(faces, image.shape[1], image.shape[0])
        assert face is not None, photo
        face = remeasure_upright(image, face, face_engine.detect)
        (traits,) = face_engine.traits(image, [face], traits_for([name]))
        report = assess(image, face, faces, [QualityConfig(name, recommended_range(name))], traits=traits)
        (detail,) = report.details
        assert detail.value is not None, (name, photo)
        return detail.status, detail.value

    return measure


@pytest.mark.parametrize(("name", "good", "bad"), CASES, ids=[case[0] for case in CASES])
def test_a_compliant_photo_passes_and_a_flawed_one_fails(
    measured: Callable[[str, str], tuple[QualityStatus, float]], name: str, good: str, bad: str
) -> None:
    good_status, good_value = measured(name, good)
    bad_status, bad_value = measured(name, bad)
    assert (good_status, bad_status) == (QualityStatus.TRUE, QualityStatus.FALSE), (good_value, bad_value)


@pytest.mark.parametrize("name", ["EyeRightClosed", "EyeLeftClosed"])
def test_open_eyes_pass(measured: Callable[[str, str], tuple[QualityStatus, float]], name: str) -> None:
    for photo in (ASTRONAUT, ANGRY, SURPRISED, NEUTRAL, STUDIO, EYES_OPEN):
        assert measured(name, photo)[0] is QualityStatus.TRUE, photo


# A 640×480 webcam frame of a laugh (about 60 px between the eyes): the mesh reads the shut eyes at EAR 0.134
# (right) and 0.126 (left) after re-measuring upright; the open frame 75 ms earlier reads 0.21.
def test_shut_eyes_fail_both_eye_checks(measured: Callable[[str, str], tuple[QualityStatus, float]]) -> None:
    statuses = {name: measured(name, EYES_SHUT)[0] for name in ("EyeRightClosed", "EyeLeftClosed")}
    assert statuses == {"EyeRightClosed": QualityStatus.FALSE, "EyeLeftClosed": QualityStatus.FALSE}


def test_without_its_trait_a_model_check_is_undetermined(face_engine: FaceEngine, faces_dir: Path) -> None:
    image = decode_image((faces_dir / ANGRY).read_bytes())
    faces = face_engine.detect(image)
    config = [QualityConfig(name, (0, 0.5)) for name in TRAIT_CHECKS]
    report = assess(image, faces[0], faces, config)  # no traits read
    assert {(d.status, d.value) for d in report.details} == {(QualityStatus.UNDETERMINED, None)}


def test_every_trait_check_is_measured_and_needs_one_trait() -> None:
    assert set(TRAIT_CHECKS) <= set(MEASURED)
    assert traits_for(["OffGaze", "EyesRed"]) == {Trait.IRIS}
    assert traits_for(["MouthOpen", "Smile", "Yaw"]) == {Trait.MESH, Trait.EXPRESSION}
