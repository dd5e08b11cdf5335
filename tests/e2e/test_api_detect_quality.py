"""POST /api/detect with portrait quality through the gateway: Regula's `quality` block, refused configs."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

pytestmark = pytest.mark.e2e

PORTRAIT = "face_recognition/examples/knn_examples/train/alex_lacamoire/img1.jpg"  # 874×1200, one face
ICAO_CHECKS = 44  # libs/quality/README.md: the document-photo checks of QualityICAO


def test_quality_icao_returns_regula_detection_quality(
    api: httpx.Client, photo_b64: Callable[[str], str]
) -> None:
    answer = api.post(
        "detect", json={"image": photo_b64(PORTRAIT), "processParam": {"scenario": "QualityICAO"}}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["code"] == 0 and body["results"]["scenario"] == "QualityICAO"
    (face,) = body["results"]["detections"]
    assert base64.b64decode(face["crop"])[:2] == b"\xff\xd8"  # the scenario's 7:9 portrait, JPEG

    quality = face["quality"]
    assert set(quality) == {"nonCompliant", "detailsGroups", "details", "score", "elapsedTime"}
    details = quality["details"]
    assert len(details) == ICAO_CHECKS
    for detail in details:
        assert set(detail) <= {"groupId", "name", "range", "status", "value"} and 1 <= detail["groupId"] <= 8
        low, high = detail["range"]
        assert low <= high and detail["status"] in (0, 1, 2)
        if detail["status"] == 2:
            assert detail.get("value", 0) == 0  # undetermined: nothing measured, no value set
        else:
            assert (low <= detail["value"] <= high) == (detail["status"] == 1), detail
    by_name = {d["name"]: d for d in details}
    assert by_name["Yaw"]["groupId"] == 2 and by_name["BlurLevel"]["groupId"] == 3
    assert by_name["ImageWidth"]["value"] == 874 and by_name["ImageWidth"]["status"] == 0  # < 1200 px
    assert by_name["Smile"]["status"] == 0  # a broad smile: a document photo wants a neutral face
    assert by_name["DarkGlasses"]["status"] == 2  # needs a model Visage does not have
    assert quality["nonCompliant"] == [d["name"] for d in details if d["status"] == 0]

    groups = quality["detailsGroups"]
    assert [g["groupId"] for g in groups] == sorted({d["groupId"] for d in details})
    for group in groups:
        members = [d for d in details if d["groupId"] == group["groupId"]]
        assert set(group) == {"groupId", "name", "totalCount", "compliantCount"}
        assert (group["totalCount"], group["compliantCount"]) == (
            len(members),
            sum(d["status"] == 1 for d in members),
        )
    determined = [d for d in details if d["status"] != 2]
    assert quality["score"] == pytest.approx(sum(d["status"] == 1 for d in determined) / len(determined))
    assert quality["elapsedTime"] > 0


def test_plain_detection_has_no_quality_key(api: httpx.Client, photo_b64: Callable[[str], str]) -> None:
    answer = api.post("detect", json={"image": photo_b64(PORTRAIT)})
    assert answer.status_code == 200, answer.text
    (face,) = answer.json()["results"]["detections"]
    assert "quality" not in face and "crop" not in face


def test_an_unknown_quality_characteristic_is_refused_with_an_operation_log(
    api: httpx.Client, photo_b64: Callable[[str], str]
) -> None:
    config = [{"name": "Yaw", "range": [-5, 5]}, {"name": "Beauty", "range": [0, 1]}]
    body = {"image": photo_b64(PORTRAIT), "processParam": {"quality": {"config": config}}}
    answer = api.post("detect", json=body)
    assert answer.status_code == 400, answer.text
    log = answer.json()
    assert set(log) == {"statusCode", "type", "msg", "metadata"} and log["statusCode"] == 400
    assert "processParam.quality.config[1]" in log["msg"] and "Beauty" in log["msg"]
