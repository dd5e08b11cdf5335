"""POST /api/match through the gateway: real photos of known people, Regula's pairwise result list."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.photos import LabelledPhoto

pytestmark = pytest.mark.e2e

IDENTITIES = 6


def people(labels: list[LabelledPhoto]) -> list[list[LabelledPhoto]]:
    """Single-face photos of the first identities that have at least two."""
    by_identity: dict[str, list[LabelledPhoto]] = {}
    for photo in labels:
        if photo.kind == "single" and photo.identity:
            by_identity.setdefault(photo.identity, []).append(photo)
    return [photos for photos in by_identity.values() if len(photos) >= 2][:IDENTITIES]


def similarity(
    api: httpx.Client, photo_b64: Callable[[str | Path], str], a: LabelledPhoto, b: LabelledPhoto
) -> float:
    images = [
        {"index": 0, "type": 3, "data": photo_b64(a.file)},
        {"index": 1, "type": 1, "data": photo_b64(b.file)},
    ]
    answer = api.post("match", json={"images": images})
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["results"]
    assert (result["firstIndex"], result["secondIndex"], result["first"], result["second"]) == (0, 1, 3, 1)
    assert 0.0 <= result["similarity"] <= 1.0 and result["score"] >= 0.0
    return result["similarity"]


def test_the_same_person_is_more_similar_than_two_different_people(
    api: httpx.Client, photo_b64: Callable[[str | Path], str], labels: list[LabelledPhoto]
) -> None:
    persons = people(labels)
    assert len(persons) == IDENTITIES
    same = [similarity(api, photo_b64, photos[0], photos[1]) for photos in persons]
    different = [similarity(api, photo_b64, a[0], b[1]) for a, b in itertools.pairwise(persons)]
    print(f"same: {[round(s, 3) for s in same]}\ndifferent: {[round(d, 3) for d in different]}")
    assert min(same) > max(different)


def test_detect_all_compares_every_face_with_every_face_of_the_other_images(
    api: httpx.Client, photo_b64: Callable[[str | Path], str], labels: list[LabelledPhoto]
) -> None:
    group = next(p for p in labels if p.kind == "multi" and p.notes.startswith("faces=3"))
    single = people(labels)[0]
    images = [
        {"index": 7, "type": 3, "data": photo_b64(group.file), "detectAll": True},
        {"index": 8, "type": 1, "data": photo_b64(single[0].path)},
        {"index": 9, "type": 1, "data": photo_b64(single[1].path)},
    ]
    answer = api.post("match", json={"images": images, "tag": "e2e"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["code"] == 0
    faces = {d["imageIndex"]: len(d["faces"]) for d in body["detections"]}
    assert faces[7] >= 3 and faces[8] == faces[9] == 1
    for detection in body["detections"]:
        assert detection["status"] == 0
        for face in detection["faces"]:
            assert len(face["landmarks"]) == 5 and all(len(point) == 2 for point in face["landmarks"])
            assert len(face["roi"]) == 4 and isinstance(face["rotationAngle"], float)
    pairs = sorted(
        (r["firstIndex"], r["firstFaceIndex"], r["secondIndex"], r["secondFaceIndex"])
        for r in body["results"]
    )
    expected = sorted(
        (a, fa, b, fb)
        for a, b in itertools.combinations([7, 8, 9], 2)
        for fa in range(faces[a])
        for fb in range(faces[b])
    )
    assert pairs == expected
    same = next(r for r in body["results"] if (r["firstIndex"], r["secondIndex"]) == (8, 9))
    assert same["similarity"] > max(r["similarity"] for r in body["results"] if r["firstIndex"] == 7)
