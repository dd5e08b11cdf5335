"""POST /api/match as a use case: pairs, scores, per-image status, Regula's request rules and their codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from libs.config import ImageLimits
from libs.errors import (
    CorruptImageError,
    FaceSDKResultCode,
    ImagesCountLimitError,
    InvalidRequestError,
    TooFewImagesError,
)
from libs.faces import SAME_PERSON_DISTANCE, FaceEngine
from libs.imaging import decode_image
from libs.usecases import CropRequest, MatchImage, MatchRequest, match_faces

pytestmark = pytest.mark.unit

KATY_1 = "deepface/tests/unit/dataset/img27.jpg"
KATY_2 = "deepface/tests/unit/dataset/img28.jpg"
OTHER = "deepface/tests/unit/dataset/img18.jpg"  # someone else
TWO_PEOPLE = "face_recognition/examples/two_people.jpg"
GROUP_OF_4 = "face-api.js/examples/images/bbt1.jpg"
NO_FACE = "skimage/skimage/data/rocket.jpg"
TRUNCATED = "compreface/embedding-calculator/src/services/imgtools/test/files/truncated.jpg"
LIMITS = ImageLimits()


@pytest.fixture(scope="module")
def photos(faces_dir: Path) -> dict[str, bytes]:
    names = (KATY_1, KATY_2, OTHER, TWO_PEOPLE, GROUP_OF_4, NO_FACE, TRUNCATED)
    return {name: (faces_dir / name).read_bytes() for name in names}


def test_same_person_scores_closer_and_more_similar_than_different_people(
    face_engine: FaceEngine, photos: dict[str, bytes]
) -> None:
    images = [
        MatchImage(photos[KATY_1]),
        MatchImage(photos[KATY_2], type=1),
        MatchImage(photos[OTHER], type=1),
    ]
    result = match_faces(face_engine, MatchRequest(images), LIMITS)

    assert result.code == FaceSDKResultCode.FACER_OK
    pairs = {(p.first_index, p.second_index): p for p in result.results}
    assert set(pairs) == {(0, 1), (0, 2), (1, 2)}
    same, different = pairs[0, 1], pairs[0, 2]
    assert same.distance < SAME_PERSON_DISTANCE < different.distance
    assert same.similarity > 0.5 > different.similarity
    assert 0 <= different.similarity <= 1 and 0 <= same.distance <= 2
    assert (same.first_type, same.second_type) == (3, 1)  # absent type = 3 (LIVE)


def test_detect_all_compares_every_face_with_every_face_of_the_other_images(
    face_engine: FaceEngine, photos: dict[str, bytes]
) -> None:
    images = [
        MatchImage(photos[TWO_PEOPLE], detect_all=True),
        MatchImage(photos[GROUP_OF_4], detect_all=True),
        MatchImage(photos[KATY_1], type=1),  # only its most central face
    ]
    result = match_faces(face_engine, MatchRequest(images), LIMITS)

    assert [len(d.faces) for d in result.detections] == [2, 4, 1]
    assert [d.image_index for d in result.detections] == [0, 1, 2]
    assert len(result.results) == 2 * 4 + 2 * 1 + 4 * 1
    assert all(p.first_index != p.second_index for p in result.results)
    keys = {(p.first_index, p.first_face_index, p.second_index, p.second_face_index) for p in result.results}
    assert len(keys) == len(result.results)  # no pair twice
    assert [f.face_index for f in result.detections[1].faces] == [0, 1, 2, 3]


def test_an_image_without_a_face_gets_status_2_and_no_pairs(
    face_engine: FaceEngine, photos: dict[str, bytes]
) -> None:
    images = [MatchImage(photos[KATY_1], index=7), MatchImage(photos[NO_FACE], index=3, type=1)]
    result = match_faces(face_engine, MatchRequest(images), LIMITS)

    assert [(d.image_index, d.status) for d in result.detections] == [
        (7, FaceSDKResultCode.FACER_OK),
        (3, FaceSDKResultCode.FR_FACE_NOT_DETECTED),
    ]
    assert result.results == ()


def test_fewer_than_two_images_is_code_224(face_engine: FaceEngine, photos: dict[str, bytes]) -> None:
    with pytest.raises(TooFewImagesError) as refused:
        match_faces(face_engine, MatchRequest([MatchImage(photos[KATY_1])]), LIMITS)
    assert refused.value.result_code == 224 and refused.value.http_status == 400


def test_more_images_of_one_type_than_the_limit_is_code_238(
    face_engine: FaceEngine, photos: dict[str, bytes]
) -> None:
    three_live = [MatchImage(photos[KATY_1]), MatchImage(photos[KATY_2]), MatchImage(photos[OTHER], type=3)]
    with pytest.raises(ImagesCountLimitError, match="type 3") as refused:
        match_faces(face_engine, MatchRequest(three_live), LIMITS)
    assert refused.value.result_code == 238 and refused.value.http_status == 400

    allowed = match_faces(face_engine, MatchRequest(three_live), LIMITS, limit_per_image_type=3)
    assert len(allowed.results) == 3


@pytest.mark.parametrize(
    ("images", "message"),
    [
        ([MatchImage(b"x", index=1), MatchImage(b"x")], "used more than once: \\[1\\]"),
        ([MatchImage(b"x", index=-1), MatchImage(b"x")], "index must be >= 0"),
        ([MatchImage(b"x", type=9), MatchImage(b"x")], "ImageSource 1..7"),
        (
            [MatchImage(b"x"), MatchImage(liveness_transaction_id="5f0c")],
            "livenessTransactionId was not resolved to a portrait",
        ),
    ],
)
def test_invalid_images_are_refused_before_decoding(
    face_engine: FaceEngine, images: list[MatchImage], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message) as refused:
        match_faces(face_engine, MatchRequest(images), LIMITS)
    assert type(refused.value) is InvalidRequestError


def test_a_broken_image_fails_the_call_naming_the_image(
    face_engine: FaceEngine, photos: dict[str, bytes]
) -> None:
    images = [MatchImage(photos[KATY_1]), MatchImage(photos[TRUNCATED], type=1)]
    with pytest.raises(CorruptImageError, match=r"^images\[1\]: image is truncated"):
        match_faces(face_engine, MatchRequest(images), LIMITS)


def test_crop_returns_a_portrait_of_every_detected_face(
    face_engine: FaceEngine, photos: dict[str, bytes]
) -> None:
    images = [MatchImage(photos[KATY_1]), MatchImage(photos[TWO_PEOPLE], type=1, detect_all=True)]
    result = match_faces(face_engine, MatchRequest(images, CropRequest(type=3, size=(120, 120))), LIMITS)

    crops = [face.crop for image in result.detections for face in image.faces]
    assert len(crops) == 3
    assert all(crop is not None and decode_image(crop).shape == (120, 120, 3) for crop in crops)
