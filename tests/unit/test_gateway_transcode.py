"""HTTP request -> request message, on the real routes and messages of the Visage protos."""

from __future__ import annotations

import base64
import json

import pytest

from gateway.errors import PayloadTooLargeError
from gateway.rules import RestRoute, service_routes
from gateway.transcode import build_request, read_body
from libs.errors import InvalidRequestError
from tests.unit import proto_http

pytestmark = pytest.mark.unit

JPEG_START = b"\xff\xd8\xff\xe0fake jpeg"


def route(method: str, template: str) -> RestRoute:
    routes = [r for s in proto_http.SERVICES for r in service_routes(s, s.name)]
    return next(r for r in routes if (r.method, r.template) == (method, template))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def build(method: str, template: str, body: object = None, path=None, query=()):
    raw = json.dumps(body).encode() if body is not None else b""
    return build_request(route(method, template), path or {}, list(query), raw)


def test_match_body_becomes_the_request_and_unknown_keys_are_ignored() -> None:
    body = {
        "tag": "s1",
        "tenant": "acme",
        "env": "prod",
        "images": [
            {"index": 4, "type": 1, "data": b64(JPEG_START)},
            {"data": b64(b"second"), "detectAll": True},
        ],
        "somethingNewer": {"x": 1},  # a field from a later API version: ignored, not an error
    }
    request = build("POST", "/api/match", body)
    assert (request.tag, request.tenant, request.env) == ("s1", "acme", "prod")
    assert (
        request.images[0].data == JPEG_START and request.images[0].index == 4 and request.images[0].type == 1
    )
    assert not request.images[1].HasField("type") and request.images[1].detect_all


def test_path_variable_binds_to_the_field_with_that_json_name() -> None:
    person = "0b7e3f4a-55c1-4d2e-9a8b-1c2d3e4f5a6b"
    request = build("PUT", "/api/persons/{personId}", {"name": "Ann"}, path={"personId": person})
    assert request.person_id == person and request.name == "Ann"


def test_query_strings_are_converted_by_field_type() -> None:
    request = build("GET", "/api/groups", query=[("page", "2"), ("size", "50"), ("unknown", "x")])
    assert (request.page, request.size) == (2, 50)
    search = build(
        "POST", "/api/search", {"image": {"content": b64(JPEG_START)}}, query=[("withImages", "true")]
    )
    assert search.with_images is True
    assert search.parameters.image.content == JPEG_START


def test_search_body_is_the_parameters_field_and_cannot_set_with_images() -> None:
    group = "0b7e3f4a-55c1-4d2e-9a8b-1c2d3e4f5a6b"
    body = {"limit": 3, "threshold": 0.5, "groupIds": [group], "withImages": True, "image": {"imageUrl": "x"}}
    search = build("POST", "/api/search", body)
    assert search.parameters.limit == 3 and list(search.parameters.group_ids) == [group]
    assert search.with_images is False


def test_a_query_string_of_the_wrong_type_is_a_clear_400() -> None:
    with pytest.raises(InvalidRequestError, match="query parameter page: expected a number, got 'two'"):
        build("GET", "/api/groups", query=[("page", "two")])


def test_a_bad_bool_in_the_query_names_what_is_expected() -> None:
    with pytest.raises(InvalidRequestError, match="withImages: expected true or false, got 'yes'"):
        build("POST", "/api/search", {"image": {"imageUrl": "x"}}, query=[("withImages", "yes")])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "request body is empty"),
        (b"{not json", "request body is not valid JSON"),
        (b"[1, 2]", "must be a JSON object, not an array"),
        (b'"text"', "must be a JSON object, not a string"),
        (b'{"tag": "\xff"}', "not UTF-8"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_clear_400(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        build_request(route("POST", "/api/detect"), {}, [], raw)


@pytest.mark.parametrize(
    "data",
    [
        "!!!!",  # protobuf decodes this to b"" silently
        "aGVsbG8=aGVs",  # protobuf drops what follows the padding
        "aGVs bG8=",  # protobuf skips the space
        "a",  # impossible length
    ],
)
def test_image_data_that_is_not_strict_base64_is_refused_with_its_path(data: str) -> None:
    body = {"images": [{"data": b64(JPEG_START)}, {"data": data}]}
    with pytest.raises(InvalidRequestError, match=r"images\[1\]\.data: not valid base64"):
        build("POST", "/api/match", body)


def test_a_data_url_prefix_is_refused_with_a_hint() -> None:
    with pytest.raises(InvalidRequestError, match="without a 'data:"):
        build("POST", "/api/detect", {"image": "data:image/jpeg;base64," + b64(JPEG_START)})


def test_base64_variants_protobuf_decodes_exactly_are_accepted() -> None:
    for text in ["aGVsbG8", "aGVsbG8=", "aGVs\nbG8=", "-_8_"]:
        build("POST", "/api/detect", {"image": text})
    assert build("POST", "/api/detect", {"image": "aGVs\r\nbG8="}).image == b"hello"


def test_nested_bytes_fields_are_checked_too() -> None:
    with pytest.raises(InvalidRequestError, match=r"image\.content: not valid base64"):
        build("POST", "/api/persons/{personId}/images", {"image": {"content": "%%%"}}, path={"personId": "p"})


def test_wrong_json_types_name_the_field() -> None:
    with pytest.raises(InvalidRequestError, match="image: expected a base64 string, not a number"):
        build("POST", "/api/detect", {"image": 5})
    with pytest.raises(InvalidRequestError, match="onlyCentralFace"):
        build("POST", "/api/detect", {"image": b64(JPEG_START), "processParam": {"onlyCentralFace": "yes"}})


def test_struct_metadata_is_taken_as_any_json() -> None:
    request = build(
        "POST", "/api/persons", {"name": "Ann", "metadata": {"level": 3, "tags": ["a"], "x": None}}
    )
    assert request.metadata["level"] == 3 and list(request.metadata["tags"]) == ["a"]


async def chunks(*parts: bytes):
    for part in parts:
        yield part


async def test_read_body_refuses_a_declared_length_over_the_limit_without_reading() -> None:
    async def never():
        raise AssertionError("the body must not be read")
        yield b""

    with pytest.raises(PayloadTooLargeError, match="50000000 bytes"):
        await read_body(never(), "50000000", limit=1000)


async def test_read_body_counts_a_streamed_body_and_stops_past_the_limit() -> None:
    assert await read_body(chunks(b"ab", b"cd"), None, limit=4) == b"abcd"
    with pytest.raises(PayloadTooLargeError) as caught:
        await read_body(chunks(b"ab", b"cd", b"e"), None, limit=4)
    assert caught.value.http_status == 413
