"""POST /api/detect as a use case: face counts, the central face, scenarios, refused images and parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from libs.config import ImageLimits
from libs.errors import CorruptImageError, EmptyImageError, FaceSDKResultCode, InvalidRequestError
from libs.faces import FaceEngine
from libs.imaging import decode_image
from libs.usecases import CropRequest, DetectRequest, detect_faces

pytestmark = pytest.mark.unit

GROUP_OF_8 = "compreface/embedding-calculator/sample_images/016_8.jpg"
TWO_PEOPLE = "face_recognition/examples/two_people.jpg"
NO_FACE = "face-api.js/test/images/white.png"
TRUNCATED = "compreface/embedding-calculator/src/services/imgtools/test/files/truncated.jpg"
LIMITS = ImageLimits()


def photo(faces_dir: Path, name: str) -> bytes:
    return (faces_dir / name).read_bytes()


def test_detect_returns_every_face_of_a_group_photo_with_landmarks_in_the_box(
    face_engine: FaceEngine, faces_dir: Path
) -> None:
    result = detect_faces(face_engine, DetectRequest(photo(faces_dir, GROUP_OF_8)), LIMITS)

    assert result.code == FaceSDKResultCode.FACER_OK
    assert len(result.detections) == 8
    for face in result.detections:
        x, y, w, h = face.roi
        assert w > 0 and h > 0
        assert all(x <= px <= x + w and y <= py <= y + h for px, py in face.landmarks)
        assert face.crop is None  # no crop was asked for
    assert result.landmarks_type == 2 and result.scenario is None and result.elapsed_ms > 0


def test_only_central_face_returns_the_face_nearest_the_image_centre(
    face_engine: FaceEngine, faces_dir: Path
) -> None:
    data = photo(faces_dir, TWO_PEOPLE)
    every = detect_faces(face_engine, DetectRequest(data), LIMITS).detections
    (central,) = detect_faces(face_engine, DetectRequest(data, only_central_face=True), LIMITS).detections

    height, width = decode_image(data).shape[:2]
    distances = [
        np.hypot(f.roi[0] + f.roi[2] / 2 - width / 2, f.roi[1] + f.roi[3] / 2 - height / 2) for f in every
    ]
    assert len(every) == 2
    assert central.roi == every[int(np.argmin(distances))].roi


def test_a_photo_without_a_face_gives_code_2_and_no_detections(
    face_engine: FaceEngine, faces_dir: Path
) -> None:
    result = detect_faces(face_engine, DetectRequest(photo(faces_dir, NO_FACE)), LIMITS)
    assert result.code == FaceSDKResultCode.FR_FACE_NOT_DETECTED
    assert result.detections == ()


def test_a_truncated_image_is_refused_with_its_typed_error(face_engine: FaceEngine, faces_dir: Path) -> None:
    with pytest.raises(CorruptImageError, match="truncated"):
        detect_faces(face_engine, DetectRequest(photo(faces_dir, TRUNCATED)), LIMITS)
    with pytest.raises(EmptyImageError):
        detect_faces(face_engine, DetectRequest(b""), LIMITS)


def test_crop_scenarios_override_only_central_face(face_engine: FaceEngine, faces_dir: Path) -> None:
    data = photo(faces_dir, TWO_PEOPLE)
    central = detect_faces(
        face_engine, DetectRequest(data, scenario="CropCentralFace", only_central_face=False), LIMITS
    )
    every = detect_faces(
        face_engine, DetectRequest(data, scenario="CropAllFaces", only_central_face=True), LIMITS
    )

    assert len(central.detections) == 1 and central.detections[0].crop is not None
    assert len(every.detections) == 2 and all(face.crop for face in every.detections)
    assert central.scenario == "CropCentralFace"


def test_crop_scenarios_override_the_requested_crop_and_keep_the_photo_resolution(
    face_engine: FaceEngine, faces_dir: Path
) -> None:
    data = photo(faces_dir, TWO_PEOPLE)
    asked = CropRequest(type=3, size=(30, 30))
    (resized,) = detect_faces(
        face_engine, DetectRequest(data, only_central_face=True, crop=asked), LIMITS
    ).detections
    (central,) = detect_faces(
        face_engine, DetectRequest(data, scenario="CropCentralFace", crop=asked), LIMITS
    ).detections
    (thumbnail,) = detect_faces(
        face_engine, DetectRequest(data, scenario="Thumbnail", crop=asked), LIMITS
    ).detections

    assert resized.crop is not None and central.crop is not None and thumbnail.crop is not None
    assert decode_image(resized.crop).shape[:2] == (30, 30)  # no scenario: the request's crop
    for portrait in (central.crop, thumbnail.crop):
        height, width = decode_image(portrait).shape[:2]
        assert height * 3 == width * 4  # the scenario's 3:4, not the requested 1:1
        assert height > 200  # the faces of this photo are ~150 px wide


def test_old_mode_keeps_the_requested_crop_and_central_face(face_engine: FaceEngine, faces_dir: Path) -> None:
    data = photo(faces_dir, TWO_PEOPLE)
    request = DetectRequest(data, scenario="OldMode", only_central_face=True, crop=CropRequest(size=(60, 80)))
    (face,) = detect_faces(face_engine, request, LIMITS).detections
    assert face.crop is not None and decode_image(face.crop).shape[:2] == (80, 60)


@pytest.mark.parametrize(
    ("crop", "message"),
    [
        (CropRequest(type=5), "type must be 0..4"),
        (CropRequest(pad_color=(0, 0)), "padColor"),
        (CropRequest(pad_color=(0, 300, 0)), "padColor"),
        (CropRequest(size=(300,)), "size"),
        (CropRequest(size=(0, 400)), "size"),
    ],
)
def test_invalid_crop_parameters_are_refused_before_any_work(
    face_engine: FaceEngine, crop: CropRequest, message: str
) -> None:
    # The image is empty on purpose: the parameters are checked first.
    with pytest.raises(InvalidRequestError, match=message) as refused:
        detect_faces(face_engine, DetectRequest(b"", crop=crop), LIMITS)
    assert type(refused.value) is InvalidRequestError  # not the empty image's EmptyImageError
