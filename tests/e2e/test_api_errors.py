"""Bad input through the gateway: Regula OperationLog with the right 4xx each time, then good calls work."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

FACE = "deepface/tests/unit/dataset/img16.jpg"
SAME_FACE = "deepface/tests/unit/dataset/img17.jpg"
TRUNCATED = "compreface/embedding-calculator/src/services/imgtools/test/files/truncated.jpg"
MIB = 1024 * 1024


def operation_log(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"statusCode", "type", "msg", "metadata"} and body["statusCode"] == status
    assert isinstance(body["msg"], str) and body["msg"]
    return body


@pytest.fixture
def still_works(api: httpx.Client, photo_b64: Callable[[str], str]) -> Callable[[], None]:
    def check() -> None:
        images = [{"data": photo_b64(FACE)}, {"data": photo_b64(SAME_FACE)}]
        answer = api.post("match", json={"images": images})
        assert answer.status_code == 200 and answer.json()["results"][0]["similarity"] > 0.5

    return check


def test_invalid_json_and_non_object_bodies(api: httpx.Client, still_works: Callable[[], None]) -> None:
    body = operation_log(
        api.post("match", content=b'{"images": [', headers={"content-type": "application/json"}), 400
    )
    assert "not valid JSON" in body["msg"] and body["metadata"]["resultCode"] == 203
    operation_log(api.post("detect", json=["image"]), 400)
    still_works()


@pytest.mark.parametrize("text", [rb'"\ud83d"', rb'"\udc00 alone"'], ids=["high", "low"])
def test_an_unpaired_surrogate_is_a_400_not_a_500(
    api: httpx.Client, still_works: Callable[[], None], text: bytes
) -> None:
    """Half of a UTF-16 pair is valid JSON but no UTF-8 text, in a name or in a metadata key; a whole pair
    (an emoji) is stored. A NUL, which PostgreSQL cannot store: tests/integration/test_store_contracts.py."""
    for body in (b'{"name": %s}' % text, b'{"name": "g", "metadata": {%s: 1}}' % text):
        answer = api.post("groups", content=body, headers={"content-type": "application/json"})
        assert "surrogate" in operation_log(answer, 400)["msg"]
    emoji = api.post(
        "groups", content=rb'{"name": "\ud83d\ude00"}', headers={"content-type": "application/json"}
    )
    assert emoji.status_code == 201 and emoji.json()["name"] == "\U0001f600"
    api.delete(f"groups/{emoji.json()['id']}")
    still_works()


def test_missing_images(api: httpx.Client, still_works: Callable[[], None]) -> None:
    assert operation_log(api.post("match", json={"tag": "no images"}), 400)["metadata"]["resultCode"] == 224
    operation_log(api.post("detect", json={"tag": "no image"}), 400)
    still_works()


def test_one_image_only(
    api: httpx.Client, photo_b64: Callable[[str], str], still_works: Callable[[], None]
) -> None:
    body = operation_log(api.post("match", json={"images": [{"data": photo_b64(FACE)}]}), 400)
    assert body["metadata"]["resultCode"] == 224  # FACER_LESS_THAN_TWO_IMAGES_IN_REQUEST
    still_works()


def test_data_that_is_not_base64(
    api: httpx.Client, photo_b64: Callable[[str], str], still_works: Callable[[], None]
) -> None:
    images = [{"data": photo_b64(FACE)}, {"data": "this is not base64!"}]
    body = operation_log(api.post("match", json={"images": images}), 400)
    assert body["msg"] == "images[1].data: not valid base64"
    prefixed = {"image": "data:image/jpeg;base64," + photo_b64(FACE)}
    assert "data:" in operation_log(api.post("detect", json=prefixed), 400)["msg"]
    still_works()


def test_a_broken_image(
    api: httpx.Client, photo_b64: Callable[[str], str], still_works: Callable[[], None]
) -> None:
    body = operation_log(api.post("detect", json={"image": photo_b64(TRUNCATED)}), 400)
    assert body["metadata"]["resultCode"] == 6  # FR_IMAGE_DECODE_ERROR
    not_an_image = base64.b64encode(b"just some text, no image").decode()
    operation_log(api.post("detect", json={"image": not_an_image}), 400)
    still_works()


def test_a_50_mb_body_is_refused_quickly_with_413(api: httpx.Client, still_works: Callable[[], None]) -> None:
    huge = b'{"images": [{"data": "' + b"A" * (50 * MIB) + b'"}]}'
    started = time.perf_counter()
    answer = api.post("match", content=huge, headers={"content-type": "application/json"})
    elapsed = time.perf_counter() - started
    body = operation_log(answer, 413)
    assert "limit" in body["msg"] and elapsed < 5.0
    still_works()


def test_unknown_route_and_wrong_method(api: httpx.Client) -> None:
    assert operation_log(api.get("nothing/here"), 404)["type"] == "RouteNotFoundError"
    answer = api.get("match")
    assert operation_log(answer, 405)["type"] == "MethodNotAllowedError" and answer.headers["allow"] == "POST"
