"""The gateway's generated OpenAPI document covers Regula's API with the same names and JSON types."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.docs import docs_page
from gateway.openapi import openapi_document
from gateway.rules import service_routes
from tests.unit import proto_http
from tests.unit.regula_openapi import Located, OpenApi

pytestmark = pytest.mark.unit

# Regula types some always-whole values as `number`; the protos make them int32 (see test_proto_json.py).
WHOLE_NUMBERS = {"MatchFaceIndex"}
# Regula types detect's and search's landmarks as integer pairs but match's as numbers; Visage's Point holds
# sub-pixel floats everywhere. Regula's own Python client reads them unvalidated (`SkipValidation`).
FLOATS_FOR_INTEGERS = ("landmarks[][]",)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    routes = [r for s in proto_http.SERVICES for r in service_routes(s, s.name)]
    return openapi_document(routes, "Visage", "1.2.3")


class Comparison:
    """Walks a Regula schema and ours side by side; collects every difference."""

    def __init__(self, spec: OpenApi, ours: dict[str, Any]) -> None:
        self.spec = spec
        self.schemas = ours["components"]["schemas"]
        self.problems: list[str] = []

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema or "allOf" in schema:
            schema = (
                self.schemas[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema["allOf"][0]
            )
        return schema

    def kind(self, schema: dict[str, Any]) -> str:
        schema = self.resolve(schema)
        return schema.get("type", "object" if "properties" in schema else "any")

    def compare(self, theirs: Located, ours: dict[str, Any], where: str) -> None:
        their_kind, our_kind = self.spec.kind(theirs), self.kind(ours)
        node, ours = self.spec.resolve(theirs).node, self.resolve(ours)
        if "any" in (their_kind, our_kind):
            return
        if (their_kind, our_kind) == ("integer", "number") and where.endswith(FLOATS_FOR_INTEGERS):
            return
        if their_kind != our_kind and not (their_kind == "number" and node.get("title") in WHOLE_NUMBERS):
            self.problems.append(f"{where}: Regula {their_kind}, ours {our_kind}")
        elif their_kind == "string" and node.get("format") == "byte" and ours.get("format") != "byte":
            self.problems.append(f"{where}: Regula base64, ours {ours.get('format')}")
        elif their_kind == "array":
            items = Located(node["items"], self.spec.resolve(theirs).doc)
            self.compare(items, ours.get("items", {}), f"{where}[]")
        elif their_kind == "object":
            ours_properties = ours.get("properties", {})
            for name, sub in self.spec.properties(theirs).items():
                if name not in ours_properties:
                    self.problems.append(f"{where}.{name}: missing")
                else:
                    self.compare(sub, ours_properties[name], f"{where}.{name}")


def test_every_regula_operation_is_in_our_document_with_the_same_fields_and_types(
    document: dict[str, Any],
) -> None:
    spec = OpenApi()
    check = Comparison(spec, document)
    for op in spec.operations():
        where = f"{op.method} {op.path}"
        ours = document["paths"].get(op.path, {}).get(op.method.lower())
        assert ours is not None, f"{where} missing from our document"
        our_parameters = {p["name"]: p for p in ours["parameters"]}
        for name, (place, schema) in op.parameters.items():
            assert our_parameters[name]["in"] == place, f"{where} ?{name}"
            check.compare(schema, our_parameters[name]["schema"], f"{where} {place} {name}")
        body = spec.request_schema(op)
        if body is not None:
            check.compare(body, ours["requestBody"]["content"]["application/json"]["schema"], f"{where} body")
        for status, (media, schema) in spec.success_responses(op).items():
            response = ours["responses"].get(str(status))
            assert response is not None, f"{where}: no {status} response"
            if media is None:
                assert "content" not in response or status != 204, f"{where} {status} must have no body"
            elif media.startswith("image/"):
                assert list(response["content"]) == ["image/*"], where
            elif schema is not None and "content" in response:
                check.compare(schema, response["content"]["application/json"]["schema"], f"{where} {status}")
    assert check.problems == []


def test_regula_json_shapes_that_protobuf_cannot_express_are_documented_as_they_are_sent(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    detection = schemas["visage.detection.v1.Detection"]["properties"]
    assert detection["landmarks"]["items"]["type"] == "array"  # quirk 1: [[x, y], ...]
    assert detection["landmarks"]["items"]["minItems"] == 2
    match = document["paths"]["/api/match"]["post"]
    assert match["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "MatchResponse"
    )
    assert schemas["visage.matching.v1.MatchResponse"]["properties"]["metadata"]["type"] == "object"
    assert schemas["visage.matching.v1.MatchImage"]["properties"]["type"]["enum"] == list(range(8))
    assert "required" not in schemas["visage.matching.v1.MatchImage"]  # requests need send no field
    assert set(schemas["visage.common.v1.MatchImageResult"]["required"]) >= {"firstIndex", "similarity"}
    assert schemas["visage.detection.v1.DetectRequest"]["properties"]["thumbnails"]["deprecated"] is True


def test_statuses_bodies_and_errors_follow_the_routes(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert set(paths["/api/persons"]["post"]["responses"]) >= {"201", "400", "413", "503"}
    assert "content" not in paths["/api/persons/{personId}"]["delete"]["responses"]["204"]
    assert set(paths["/api/search"]["post"]["responses"]) >= {"200", "201"}
    image = paths["/api/persons/{personId}/images/{imageId}"]["get"]["responses"]["200"]
    assert image["content"]["image/*"]["schema"] == {"type": "string", "format": "binary"}
    assert set(paths["/api/groups"]["get"]["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "429",
        "500",
        "503",
        "504",
    }
    submit = paths["/api/v2/liveness/submit"]["post"]["responses"]
    assert {"403", "409", "410", "413"} <= set(submit) and "401" not in submit  # signed, not keyed
    assert submit["409"] == {"$ref": "#/components/responses/Error409"}
    answers = document["components"]["responses"]
    assert {r["content"]["application/json"]["schema"]["$ref"] for r in answers.values()} == {
        "#/components/schemas/OperationLog"
    }
    error = document["components"]["schemas"]["OperationLog"]
    assert set(error["properties"]) == {"statusCode", "type", "msg", "metadata"}
    assert paths["/api/healthz"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DeviceInfo"
    }


def test_the_docs_page_lists_every_operation_and_loads_nothing_from_elsewhere(
    document: dict[str, Any],
) -> None:
    page = docs_page(document)
    for path, item in document["paths"].items():
        for method in item:
            assert f"{method.upper()}</span> <code>{path}</code>" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<code>images</code>" in page and "<code>detectAll</code>" in page


def test_what_a_post_creates_links_to_the_operations_on_it(document: dict[str, Any]) -> None:
    paths = document["paths"]
    group = paths["/api/groups"]["post"]["responses"]["201"]["links"]
    assert group["GetGroup"] == {
        "operationId": "IdentificationService.GetGroup",
        "parameters": {"path.groupId": "$response.body#/id"},
    }
    assert {"UpdateGroup", "DeleteGroup", "ListGroupPersons", "UpdateGroupPersons"} <= set(group)
    person = paths["/api/persons"]["post"]["responses"]["201"]["links"]
    assert {"GetPerson", "DeletePerson", "AddPersonImage"} <= set(person) and "GetPersonImage" not in person
    image = paths["/api/persons/{personId}/images"]["post"]["responses"]["200"]["links"]["DeletePersonImage"]
    assert image["parameters"] == {
        "path.personId": "$request.path.personId",
        "path.imageId": "$response.body#/id",
    }
    started = paths["/api/v2/liveness/start"]["post"]["responses"]["200"]["links"]
    assert started["GetLivenessTransaction"]["parameters"] == {
        "query.transactionId": "$response.body#/transactionId"
    }
    operation_ids = {op["operationId"] for item in paths.values() for op in item.values()}
    answers = [
        answer for item in paths.values() for op in item.values() for answer in op["responses"].values()
    ]
    linked = {link["operationId"] for answer in answers for link in answer.get("links", {}).values()}
    assert linked <= operation_ids
