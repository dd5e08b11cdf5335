"""Requests are checked against the schemas the OpenAPI document publishes, made from the protos' rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.openapi import openapi_document
from gateway.rules import RestRoute, service_routes
from gateway.transcode import build_request
from libs.errors import FaceSDKResultCode, InvalidRequestError
from libs.faces.crop import MAX_CROP_SIDE
from libs.identification.values import MAX_PAGE_SIZE
from libs.liveness.media import is_media_name
from libs.liveness.signing import NONCE_PATTERN, is_well_formed_signature
from libs.liveness.transactions import TAG_PATTERN
from tests.unit import proto_http

pytestmark = pytest.mark.unit

ROUTES = [r for s in proto_http.SERVICES for r in service_routes(s, s.name)]
ID = "0b7e3f4a-55c1-4d2e-9a8b-1c2d3e4f5a6b"


def route(method: str, template: str) -> RestRoute:
    return next(r for r in ROUTES if (r.method, r.template) == (method, template))


def refused(method: str, template: str, body: Any = None, path=None, query=()) -> InvalidRequestError:
    raw = json.dumps(body).encode() if body is not None else b""
    with pytest.raises(InvalidRequestError) as caught:
        build_request(route(method, template), path or {}, list(query), raw)
    return caught.value


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document(ROUTES, "Visage", "1.2.3")


def schema_of(document: dict[str, Any], name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tag": 5}, "tag: expected string, not a number"),  # was accepted before the schemas were enforced
        ({"tag": ["a"]}, "tag: expected string, not an array"),
        ({"tag": None}, "tag: expected string, not null"),
        ({"tag": "has space"}, "tag: must match"),
        ({"tag": "a" * 128}, "tag: must match"),
        ({"type": 3}, "type: must be <= 2"),
        ({"type": True}, "type: expected integer, not a boolean"),
        ({"metadata": "x"}, "metadata: expected object, not a string"),
    ],
)
def test_a_liveness_start_of_the_wrong_json_type_or_outside_its_rules_is_a_400_naming_the_field(
    body: dict[str, Any], message: str
) -> None:
    assert message in refused("POST", "/api/v2/liveness/start", body).message


def test_ids_must_be_uuids_in_paths_bodies_and_queries() -> None:
    assert (
        "personId: must be a uuid"
        in refused("GET", "/api/persons/{personId}", path={"personId": "p1"}).message
    )
    groups = refused("POST", "/api/persons", {"name": "Ann", "groups": [ID, "g2"]})
    assert groups.message == "groups[1]: must be a uuid"
    query = refused("GET", "/api/v2/liveness", query=[("transactionId", "t1")])
    assert query.message == "query parameter transactionId: must be a uuid"
    assert build_request(route("GET", "/api/persons/{personId}"), {"personId": ID}, [], b"").person_id == ID


def test_required_fields_and_parameters_are_refused_when_absent() -> None:
    assert refused("POST", "/api/groups", {"tag": "t"}).message == "request body: 'name' is required"
    assert "name: must match" in refused("POST", "/api/groups", {"name": "   "}).message
    missing = refused("GET", "/api/v2/liveness/media", query=[("transactionId", ID)])
    assert missing.message == "query parameter name is required"


def test_a_broken_rule_answers_the_regula_result_code_the_proto_gives_it() -> None:
    one = refused("POST", "/api/match", {"images": [{"data": "AAAA"}]})
    assert one.message == "images: must have at least 2 items"
    assert one.result_code == FaceSDKResultCode.FACER_LESS_THAN_TWO_IMAGES_IN_REQUEST
    assert refused("POST", "/api/detect", {"tag": "t"}).result_code == FaceSDKResultCode.FR_IMAGE_EMPTY
    wrong_type = refused("POST", "/api/detect", {"image": 3})
    assert wrong_type.message == "image: expected a base64 string, not a number"
    assert wrong_type.result_code == FaceSDKResultCode.FACER_COMMAND_PARAMS_READ_ERROR


def test_a_message_never_quotes_the_whole_value() -> None:
    huge = "x" * 100_000
    assert len(refused("POST", "/api/v2/liveness/start", {"tag": huge}).message) < 200


def test_the_document_declares_the_rules_the_gateway_enforces(document: dict[str, Any]) -> None:
    start = schema_of(document, "visage.liveness.v1.StartLivenessTransactionRequest")["properties"]
    assert start["tag"] == {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,127}$"}
    assert (start["type"]["minimum"], start["type"]["maximum"]) == (0, 2)
    match = schema_of(document, "visage.matching.v1.MatchRequest")
    assert match["required"] == ["images"] and match["properties"]["images"]["minItems"] == 2
    assert match["properties"]["images"]["x-result-code"] == 224
    group = document["paths"]["/api/groups/{groupId}"]["get"]["parameters"][1]
    assert group == {
        "name": "groupId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    size = document["paths"]["/api/groups"]["get"]["parameters"][2]["schema"]
    assert (size["minimum"], size["maximum"]) == (1, MAX_PAGE_SIZE)
    crop = schema_of(document, "visage.common.v1.Crop")["properties"]
    assert crop["size"]["items"]["maximum"] == MAX_CROP_SIDE and crop["padColor"]["maxItems"] == 3
    media = {p["name"]: p for p in document["paths"]["/api/v2/liveness/media"]["get"]["parameters"]}
    assert media["name"]["required"] and media["transactionId"]["schema"]["format"] == "uuid"


@pytest.mark.parametrize(
    ("schema", "field", "domain_accepts", "samples"),
    [
        (
            "StartLivenessTransactionRequest",
            "tag",
            TAG_PATTERN.fullmatch,
            ["a", "A-_9", "a" * 127, "a" * 128, "a b", ""],
        ),
        (
            "SubmitLivenessTransactionRequest",
            "nonce",
            NONCE_PATTERN.fullmatch,
            ["n" * 16, "n" * 15, "n" * 129, "n-_" * 8],
        ),
        (
            "SubmitLivenessTransactionRequest",
            "signature",
            is_well_formed_signature,
            ["ab" * 32, "AB" * 32, "g" * 64, "a" * 63],
        ),
    ],
)
def test_the_documented_patterns_are_the_services_own(
    document: dict[str, Any], schema: str, field: str, domain_accepts: Any, samples: list[str]
) -> None:
    import re

    pattern = schema_of(document, f"visage.liveness.v1.{schema}")["properties"][field]["pattern"]
    for sample in samples:
        assert bool(re.search(pattern, sample)) == bool(domain_accepts(sample)), (field, sample)


def test_the_documented_media_names_are_the_services_own(document: dict[str, Any]) -> None:
    import re

    media = {p["name"]: p for p in document["paths"]["/api/v2/liveness/media"]["get"]["parameters"]}
    pattern = media["name"]["schema"]["pattern"]
    for name in ("portrait", "video", "frame-0", "frame-999", "frame-1000", "frame-", "portraits", "Video"):
        assert bool(re.search(pattern, name)) == is_media_name(name), name


def test_the_documented_quality_and_attribute_names_are_the_services_own(document: dict[str, Any]) -> None:
    from libs.quality.types import CHARACTERISTIC_GROUPS
    from libs.usecases.attributes import FACE_ATTRIBUTES

    quality = schema_of(document, "visage.detection.v1.QualityConfig")["properties"]["name"]["enum"]
    attribute = schema_of(document, "visage.detection.v1.AttributeConfig")["properties"]["name"]["enum"]
    assert quality == list(CHARACTERISTIC_GROUPS) and attribute == list(FACE_ATTRIBUTES)


def test_float_fields_refuse_what_protobuf_cannot_hold_and_the_document_says_so(
    document: dict[str, Any],
) -> None:
    threshold = schema_of(document, "visage.identification.v1.SearchParameters")["properties"]["threshold"]
    assert threshold["minimum"] == 0 and threshold["maximum"] == pytest.approx(3.4028234663852886e38)
    body = {"images": [{"data": "AAAA"}] * 2, "threshold": 1e39}
    assert refused("POST", "/api/match_and_search", body).message.startswith("threshold: must be <=")


def test_alternative_fields_are_a_documented_one_of(document: dict[str, Any]) -> None:
    image = schema_of(document, "visage.identification.v1.UploadImage")
    assert image["anyOf"] == [{"required": ["content"]}, {"required": ["imageUrl"]}]
    assert image["not"] == {"anyOf": [{"required": ["content", "imageUrl"]}]}
    both = refused(
        "POST", "/api/search", {"image": {"content": "AAAA", "imageUrl": "https://example.com/a.jpg"}}
    )
    assert both.message == "image: give exactly one of content, imageUrl"
    neither = refused("POST", "/api/match", {"images": [{"data": "AAAA"}, {"type": 1}]})
    assert neither.message == "images[1]: give exactly one of data, livenessTransactionId"
