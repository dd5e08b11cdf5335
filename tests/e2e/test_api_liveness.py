"""Liveness through the gateway: start, signed submit, TransactionInfo, media links, refusals, DELETE, and
`livenessTransactionId` as an input of /api/match and /api/match_and_search (matching and identification ask
the liveness service over mTLS)."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.imaging.decode import decode_image
from libs.liveness.signing import sign_submission
from tests.liveness_support import (
    LIVE_SAMPLE,
    SCREEN_ATTACK,
    TINY_WEBM,
    WEBCAM_EYES_OPEN,
    WEBCAM_EYES_SHUT,
    capture_frames,
)

pytestmark = pytest.mark.e2e

TRANSACTION_INFO_KEYS = {
    *("code", "status", "tag", "transactionId", "portrait", "video", "age", "metadata", "type"),
    "failedChecks",  # Visage extension
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def start(api: httpx.Client, **body: Any) -> dict[str, Any]:
    answer = api.post("v2/liveness/start", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def submission(started: dict[str, Any], frames: list[bytes], video: bytes | None = None) -> dict[str, Any]:
    nonce = secrets.token_urlsafe(24)
    key = bytes.fromhex(started["key"])
    body = {
        "transactionId": started["transactionId"],
        "nonce": nonce,
        "frames": [b64(frame) for frame in frames],
        "signature": sign_submission(key, started["transactionId"], nonce, frames, video),
    }
    if video is not None:
        body["video"] = b64(video)
    return body


def decided(api: httpx.Client, faces_dir: Path, relative: str, tag: str) -> tuple[str, int]:
    """A transaction started and submitted with frames of the photo `relative`: its id and status."""
    started = start(api, tag=tag)
    answer = api.post("v2/liveness/submit", json=submission(started, capture_frames(faces_dir, relative)))
    assert answer.status_code == 200, answer.text
    return started["transactionId"], answer.json()["status"]


def refused(answer: httpx.Response, status: int, error_type: str, result_code: int) -> None:
    assert answer.status_code == status, answer.text
    log = answer.json()
    assert (log["statusCode"], log["type"], log["metadata"]["resultCode"]) == (
        status,
        error_type,
        result_code,
    )


def test_a_passive_check_end_to_end_then_delete(api: httpx.Client, faces_dir: Path) -> None:
    started = start(api, type=1, tag="e2e-session", metadata={"device": "pytest", "screen": [1080, 1920]})
    assert started["type"] == 1 and started["tag"] == "e2e-session" and started["challenge"] == []
    assert started["ttlSeconds"] == 120 and started["minFrames"] == 3 and started["expiresAt"].endswith("Z")
    transaction_id = started["transactionId"]

    body = submission(started, capture_frames(faces_dir, LIVE_SAMPLE), TINY_WEBM)
    answer = api.post("v2/liveness/submit", json=body)
    assert answer.status_code == 200, answer.text
    decided = answer.json()
    assert (decided["status"], decided["code"], decided["failedChecks"]) == (0, 0, [])

    info = api.get("v2/liveness", params={"transactionId": transaction_id})
    assert info.status_code == 200, info.text
    transaction = info.json()
    assert transaction == decided and set(transaction) == TRANSACTION_INFO_KEYS
    assert transaction["metadata"] == {"device": "pytest", "screen": [1080, 1920]}  # ints stay ints
    ((age,),) = [transaction["age"]]  # the apparent age of the portrait: an adult
    low, high = age["value"]
    assert age["name"] == "Age" and 15 <= low <= age["years"] <= high <= 60
    portrait = api.get(transaction["portrait"].removeprefix("/api/"))
    assert portrait.status_code == 200 and portrait.headers["content-type"] == "image/jpeg"
    assert decode_image(portrait.content).ndim == 3
    video = api.get(transaction["video"].removeprefix("/api/"))
    assert (video.status_code, video.content, video.headers["content-type"]) == (200, TINY_WEBM, "video/webm")

    refused(api.post("v2/liveness/submit", json=body), 409, "LivenessAlreadySubmittedError", 251)

    assert api.delete("v2/liveness", params={"transactionId": transaction_id}).status_code == 204
    refused(api.get("v2/liveness", params={"transactionId": transaction_id}), 404, "NotFoundError", 203)
    assert api.get(transaction["portrait"].removeprefix("/api/")).status_code == 404


def test_a_passive_check_with_blink_confirms_a_blink_and_refuses_a_still_photo(
    api: httpx.Client, faces_dir: Path
) -> None:
    opened, shut = ((faces_dir / name).read_bytes() for name in (WEBCAM_EYES_OPEN, WEBCAM_EYES_SHUT))
    started = start(api, type=2)
    assert (started["type"], started["challenge"]) == (2, [])
    answer = api.post("v2/liveness/submit", json=submission(started, [opened, shut, opened]))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["type"], answer.json()["status"], answer.json()["code"]) == (2, 0, 0)
    still = start(api, type=2)
    answer = api.post("v2/liveness/submit", json=submission(still, [opened] * 3))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["code"], answer.json()["failedChecks"]) == (
        1,
        255,
        ["blink"],
    )
    refused(api.post("v2/liveness/start", json={"type": 3}), 400, "InvalidRequestError", 203)


def test_tampered_and_unknown_submissions_are_refused(api: httpx.Client, faces_dir: Path) -> None:
    started = start(api)
    body = submission(started, capture_frames(faces_dir, LIVE_SAMPLE))
    tampered = body | {"frames": [body["frames"][1], body["frames"][0], body["frames"][2]]}
    refused(api.post("v2/liveness/submit", json=tampered), 403, "LivenessSignatureError", 251)
    elsewhere = body | {"transactionId": start(api)["transactionId"]}
    refused(api.post("v2/liveness/submit", json=elsewhere), 403, "LivenessSignatureError", 251)
    unknown = body | {"transactionId": "0b6b1e8e-0000-4000-8000-000000000001"}
    refused(api.post("v2/liveness/submit", json=unknown), 404, "NotFoundError", 203)
    refused(
        api.post("v2/liveness/submit", json=body | {"frames": body["frames"][:1]}),
        400,
        "InvalidRequestError",
        203,
    )
    assert api.post("v2/liveness/submit", json=body).status_code == 200  # the refusals did not use it up


def test_match_accepts_a_confirmed_liveness_transaction_in_place_of_an_image(
    api: httpx.Client, faces_dir: Path, photo_b64: Callable[[str], str]
) -> None:
    live, status = decided(api, faces_dir, LIVE_SAMPLE, "e2e-match")
    assert status == 0
    images = [{"livenessTransactionId": live}, {"type": 3, "data": photo_b64(LIVE_SAMPLE)}]
    answer = api.post("match", json={"images": images})
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["results"]
    assert result["similarity"] > 0.9  # the portrait is a crop of the same capture
    assert [d["status"] for d in answer.json()["detections"]] == [0, 0]

    spoof, status = decided(api, faces_dir, SCREEN_ATTACK, "e2e-match")
    assert status == 1
    images[0] = {"livenessTransactionId": spoof}
    refused(api.post("match", json={"images": images}), 400, "LivenessNotConfirmedError", 251)

    assert api.delete("v2/liveness", params={"tag": "e2e-match"}).status_code == 204
    images[0] = {"livenessTransactionId": live}
    refused(api.post("match", json={"images": images}), 404, "NotFoundError", 203)


def test_match_and_search_accepts_a_confirmed_liveness_transaction_in_place_of_an_image(
    api: httpx.Client, faces_dir: Path, photo_b64: Callable[[str], str]
) -> None:
    live, status = decided(api, faces_dir, LIVE_SAMPLE, "e2e-match-and-search")
    assert status == 0
    images = [{"livenessTransactionId": live}, {"content": photo_b64(LIVE_SAMPLE)}]
    answer = api.post("match_and_search", json={"images": images})
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["results"]
    assert (result["firstIndex"], result["secondIndex"]) == (0, 1)
    assert result["similarity"] > 0.9  # the portrait is a crop of the same capture: the same person
    assert [d["status"] for d in answer.json()["detections"]] == [0, 0]

    spoof, status = decided(api, faces_dir, SCREEN_ATTACK, "e2e-match-and-search")
    assert status == 1
    images[0] = {"livenessTransactionId": spoof}
    refused(api.post("match_and_search", json={"images": images}), 400, "LivenessNotConfirmedError", 251)
    images[0] = {"livenessTransactionId": str(uuid.uuid4())}
    refused(api.post("match_and_search", json={"images": images}), 404, "NotFoundError", 203)
    images[0] |= {"content": photo_b64(LIVE_SAMPLE)}
    refused(api.post("match_and_search", json={"images": images}), 400, "InvalidRequestError", 203)
