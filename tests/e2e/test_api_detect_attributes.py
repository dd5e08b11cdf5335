"""`processParam.attributes` through the gateway: Regula's DetectionAttributes on real photos."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from libs.quality.scenarios import FACE_ATTRIBUTES

pytestmark = pytest.mark.e2e

HAPPY = "face-api.js/examples/images/happy.jpg"
SURPRISED = "face-api.js/examples/images/surprised.jpg"
ANGRY = "face-api.js/examples/images/angry.jpg"
GROUP = "face-api.js/examples/images/bbt1.jpg"
# Webcam frames of one person 75 ms apart: eyes open, then shut while laughing (tests/data/faces/SOURCES.md)
EYES_OPEN = "liveness/Eyashita+VisageTrack/Dataset/Real/17010714093468506.jpg"
EYES_SHUT = "liveness/Eyashita+VisageTrack/Dataset/Real/17010714094220314.jpg"
UNMEASURED = {
    "Glasses",
    "HeadCovering",
    "ForeheadCovering",
    "MedicalMask",
    "Occlusion",
    "StrongMakeup",
    "Headphones",
}


def attributes_of(
    api: httpx.Client, photo_b64: Callable[[str | Path], str], photo: str, names: list[str], **params: object
) -> list[dict]:
    body = {
        "image": photo_b64(photo),
        "processParam": {"attributes": {"config": [{"name": n} for n in names]}},
    }
    body["processParam"].update(params)  # type: ignore[union-attr]
    answer = api.post("detect", json=body)
    assert answer.status_code == 200, answer.text
    return [d["attributes"] for d in answer.json()["results"]["detections"]]


def by_name(attributes: dict) -> dict[str, dict]:
    return {item["name"]: item for item in attributes["details"]}


def test_every_attribute_is_answered_in_request_order(
    api: httpx.Client, photo_b64: Callable[[str | Path], str]
) -> None:
    (attributes,) = attributes_of(api, photo_b64, HAPPY, list(FACE_ATTRIBUTES), onlyCentralFace=True)
    assert [item["name"] for item in attributes["details"]] == list(FACE_ATTRIBUTES)
    assert attributes["elapsedTime"] > 0
    items = by_name(attributes)
    low, high = items["Age"]["value"]
    assert isinstance(low, int) and isinstance(high, int)  # Regula: [int]
    assert 15 <= low < high <= 45 and "confidence" not in items["Age"]  # a young adult
    assert (items["Emotion"]["value"], items["Smile"]["value"]) == ("happy", "yes")
    assert items["Smile"]["confidence"] >= 0.9
    assert items["EyeLeft"]["value"] == items["EyeRight"]["value"] == "open"
    for name in UNMEASURED:  # no model for these: said so, not left out
        assert (items[name]["value"], items[name]["confidence"]) == ("undetermined", 0.0)


def test_mouth_and_emotion_follow_the_face(api: httpx.Client, photo_b64: Callable[[str | Path], str]) -> None:
    (surprised,) = attributes_of(api, photo_b64, SURPRISED, ["Mouth", "Emotion", "Smile"])
    (angry,) = attributes_of(api, photo_b64, ANGRY, ["Mouth", "Emotion", "Smile"])
    assert [by_name(surprised)[n]["value"] for n in ("Mouth", "Emotion", "Smile")] == [
        "open",
        "surprised",
        "no",
    ]
    assert [by_name(angry)[n]["value"] for n in ("Mouth", "Emotion", "Smile")] == ["closed", "angry", "no"]


def test_the_eyes_follow_a_blink(api: httpx.Client, photo_b64: Callable[[str | Path], str]) -> None:
    # Close to the boundary: the shut eyes read 0.54 (right) and 0.56 (left) closed, 0.5 deciding; the open
    # frame 0.22 and 0.23. After re-measuring upright (what a request that also asks for quality does) the
    # right eye reads 0.49, open: tests/unit/test_quality_traits.py keeps that miss.
    eyes = ["EyeLeft", "EyeRight"]
    (shut,) = attributes_of(api, photo_b64, EYES_SHUT, eyes)
    (open_,) = attributes_of(api, photo_b64, EYES_OPEN, eyes)
    assert [by_name(shut)[n]["value"] for n in eyes] == ["closed", "closed"]
    assert [by_name(open_)[n]["value"] for n in eyes] == ["open", "open"]


def test_each_face_of_a_group_gets_its_own_attributes(
    api: httpx.Client, photo_b64: Callable[[str | Path], str]
) -> None:
    everyone = attributes_of(api, photo_b64, GROUP, ["Age", "Emotion"], onlyCentralFace=False)
    assert len(everyone) >= 4
    assert all(len(a["details"]) == 2 for a in everyone)


def test_attributes_all_scenario_answers_all_thirteen(
    api: httpx.Client, photo_b64: Callable[[str | Path], str]
) -> None:
    answer = api.post(
        "detect", json={"image": photo_b64(HAPPY), "processParam": {"scenario": "AttributesAll"}}
    )
    (detection,) = answer.json()["results"]["detections"]
    assert [item["name"] for item in detection["attributes"]["details"]] == list(FACE_ATTRIBUTES)


def test_no_attributes_asked_none_answered_and_an_unknown_one_refused(
    api: httpx.Client, photo_b64: Callable[[str | Path], str]
) -> None:
    plain = api.post("detect", json={"image": photo_b64(HAPPY)}).json()
    assert "attributes" not in plain["results"]["detections"][0]
    answer = api.post(
        "detect",
        json={"image": photo_b64(HAPPY), "processParam": {"attributes": {"config": [{"name": "Gender"}]}}},
    )
    assert answer.status_code == 400
    assert "processParam.attributes.config[0].name: 'Gender' is not one of Age, " in answer.json()["msg"]
