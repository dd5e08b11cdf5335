"""POST /api/detect through the gateway on labelled photos: face counts, boxes and landmarks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.photos import LabelledPhoto

pytestmark = pytest.mark.e2e

SINGLES_CHECKED = 12


def detect(api: httpx.Client, photo_b64: Callable[[str | Path], str], photo: LabelledPhoto) -> list[dict]:
    answer = api.post("detect", json={"image": photo_b64(photo.file), "tag": "e2e"})
    assert answer.status_code == 200, f"{photo.path}: {answer.text}"
    body = answer.json()
    detections = body["results"]["detections"]
    # FaceSDKResultCode: 0 FACER_OK, 2 FR_FACE_NOT_DETECTED.
    assert body["code"] == (0 if detections else 2) and body["results"]["landmarksType"] == 2
    return detections


def test_group_photos_give_the_labelled_number_of_faces(
    api: httpx.Client, photo_b64: Callable[[str | Path], str], labels: list[LabelledPhoto]
) -> None:
    counted = [
        (photo.path, int(photo.faces), len(detect(api, photo_b64, photo)))
        for photo in labels
        if photo.kind == "multi" and photo.faces.isdigit()
    ]
    assert len(counted) >= 10
    # One tiny background face more than labelled is tolerated, as in the detector's own tests.
    assert [c for c in counted if not c[1] <= c[2] <= c[1] + 1] == []


def test_single_face_photos_give_one_face_and_empty_scenes_none(
    api: httpx.Client, photo_b64: Callable[[str | Path], str], labels: list[LabelledPhoto]
) -> None:
    singles = [photo for photo in labels if photo.kind == "single"][::15][:SINGLES_CHECKED]
    assert [p.path for p in singles if len(detect(api, photo_b64, p)) < 1] == []
    empty = [photo for photo in labels if photo.kind == "noface"]
    assert len(empty) >= 5
    assert {p.path: len(detect(api, photo_b64, p)) for p in empty} == {p.path: 0 for p in empty}


def test_every_face_has_five_landmarks_inside_its_box(
    api: httpx.Client, photo_b64: Callable[[str | Path], str], labels: list[LabelledPhoto]
) -> None:
    photos = [p for p in labels if p.kind == "multi"][:6]
    faces = [face for photo in photos for face in detect(api, photo_b64, photo)]
    assert len(faces) >= 12
    for face in faces:
        x, y, width, height = face["roi"]
        assert width > 0 and height > 0
        assert len(face["landmarks"]) == 5
        for px, py in face["landmarks"]:
            assert x <= px <= x + width and y <= py <= y + height, face
        (left_eye_x, _), (right_eye_x, _) = face["landmarks"][:2]
        assert left_eye_x < right_eye_x  # the image's left eye first, as Regula orders them


def test_only_central_face_gives_one_face_of_a_group(
    api: httpx.Client, photo_b64: Callable[[str | Path], str], labels: list[LabelledPhoto]
) -> None:
    group = next(p for p in labels if p.kind == "multi" and p.notes.startswith("faces=5"))
    body = {"image": photo_b64(group.file), "processParam": {"onlyCentralFace": True}}
    answer = api.post("detect", json=body)
    assert answer.status_code == 200 and len(answer.json()["results"]["detections"]) == 1
