"""Protobuf JSON of the Visage messages, plus the documented gateway quirks, is Regula's JSON: same names and
shapes for every request and response schema of the OpenAPI, and on a few concrete round trips."""

from __future__ import annotations

import base64

import pytest
from google.protobuf import json_format, struct_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from visage.detection.v1 import detection_pb2
from visage.identification.v1 import persons_pb2, search_pb2
from visage.matching.v1 import matching_pb2

from tests.unit import proto_http
from tests.unit.regula_openapi import Located, OpenApi

pytestmark = pytest.mark.unit

# Fields beyond the 7.2.0 OpenAPI, each with its reason (see protos/README.md).
EXTRA_FIELDS = {
    ("visage.detection.v1.DetectRequest", "thumbnails"),  # legacy 6.x, accepted and ignored
    ("visage.matching.v1.MatchRequest", "thumbnails"),  # legacy 6.x, accepted and ignored
    ("visage.common.v1.Crop", "returnOriginalRect"),  # legacy 6.x, accepted and ignored
    ("visage.identification.v1.CreatePersonRequest", "ttl"),  # legacy 6.x form of expireAt
    ("visage.matching.v1.MatchImage", "livenessTransactionId"),  # 8.3
    ("visage.identification.v1.MatchAndSearchImage", "livenessTransactionId"),  # 8.3
    ("visage.identification.v1.SearchResponse", "createdPerson"),  # quirk 4: the body of the 201 answer
    ("visage.liveness.v1.TransactionInfo", "failedChecks"),  # Visage: which liveness checks failed
}
INT_TYPES = {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_ENUM}
SCALAR_TYPES = {
    "integer": INT_TYPES,
    "number": {FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE},
    "boolean": {FieldDescriptor.TYPE_BOOL},
    "string": {FieldDescriptor.TYPE_STRING},
}
BYTE_FORMATS = {"byte", "base64", "binary"}
WHOLE_NUMBERS = {"MatchFaceIndex"}  # typed `number` by the spec, always whole: int32 in the protos


class SchemaComparison:
    """Walks an OpenAPI schema and a message side by side; collects mismatches and proto-only fields."""

    def __init__(self, spec: OpenApi) -> None:
        self.spec = spec
        self.problems: list[str] = []
        self.extras: set[tuple[str, str]] = set()

    def message(
        self, schema: Located, message: Descriptor, where: str, ignore: set[str] = frozenset()
    ) -> None:
        props = self.spec.properties(schema)
        fields = {f.json_name: f for f in message.fields}
        self.extras |= {(message.full_name, name) for name in set(fields) - set(props) - ignore}
        for name, sub in props.items():
            if name not in fields:
                self.problems.append(f"{where}.{name}: no field in {message.full_name}")
            else:
                self.field(sub, fields[name], f"{where}.{name}")

    def field(self, schema: Located, field: FieldDescriptor, where: str) -> None:
        kind, message = self.spec.kind(schema), field.message_type
        if message is not None and message.full_name == "google.protobuf.Value":
            return  # any JSON value
        if kind != "array":
            if field.is_repeated:
                self.problems.append(f"{where}: repeated field for a {kind}")
            self.value(schema, field, where)
        elif not field.is_repeated and (message is None or message.full_name != "google.protobuf.ListValue"):
            self.problems.append(f"{where}: array but not a repeated field")
        elif field.is_repeated:
            items = Located(self.spec.resolve(schema).node["items"], self.spec.resolve(schema).doc)
            if self.spec.kind(items) == "array":  # quirk 1: [[x, y], ...]
                if message is None or message.full_name != proto_http.POINT:
                    self.problems.append(f"{where}: nested array must be a repeated Point")
            else:
                self.value(items, field, where)

    def value(self, schema: Located, field: FieldDescriptor, where: str) -> None:
        node, kind, message = self.spec.resolve(schema).node, self.spec.kind(schema), field.message_type
        if kind == "object":
            if message is None:
                self.problems.append(f"{where}: object but scalar field")
            elif message.full_name == "google.protobuf.Struct":
                if self.spec.properties(schema):
                    self.problems.append(f"{where}: typed object mapped to Struct")
            else:
                self.message(schema, message, where)
        elif kind == "string" and node.get("format") in BYTE_FORMATS:
            if field.type != FieldDescriptor.TYPE_BYTES:
                self.problems.append(f"{where}: base64 string but not bytes")
        elif node.get("title") in WHOLE_NUMBERS:
            if field.type not in INT_TYPES:
                self.problems.append(f"{where}: whole number but not int32")
        elif field.type not in SCALAR_TYPES.get(kind, set()):
            self.problems.append(f"{where}: {kind} but proto type {field.type}")


def test_every_request_and_response_schema_maps_to_the_protos() -> None:
    spec = OpenApi()
    check = SchemaComparison(spec)
    routes = {(r.method, r.path): r for r in proto_http.routes()}
    for op in spec.operations():
        if (op.method, op.path) not in routes:
            continue  # health checks, served by the gateway
        route, where = routes[(op.method, op.path)], f"{op.method} {op.path}"
        request = route.rpc.input_type
        for name, (_, schema) in op.parameters.items():
            check.value(schema, request.fields_by_name[_snake(request, name)], f"{where} ?{name}")
        body = spec.request_schema(op)
        if body is not None and route.rule.body == "*":
            check.message(body, request, f"{where} body", ignore=set(op.parameters))
        elif body is not None:
            check.message(body, request.fields_by_name[route.rule.body].message_type, f"{where} body")
        for status, (media, schema) in spec.success_responses(op).items():
            target = route.rpc.output_type
            if status != proto_http.success_status(route.rpc):
                [conditional] = [f for f in target.fields if proto_http.status_if_set(f) == status]
                target = conditional.message_type
            elif route.rule.response_body:
                target = target.fields_by_name[route.rule.response_body].message_type
            if media is None:
                assert not target.fields, f"{where}: {status} has no body"
            elif media.startswith("image/"):
                assert target.full_name == proto_http.HTTP_BODY, where
            else:
                check.message(schema, target, f"{where} {status}")
    assert check.problems == []
    assert check.extras == EXTRA_FIELDS


def _snake(message: Descriptor, json_name: str) -> str:
    return next(f.name for f in message.fields if f.json_name == json_name)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_regula_match_request_parses_strictly_and_round_trips() -> None:
    # The JS client README request, with every other field of the 7.2.0 MatchRequest filled in.
    body = {
        "tag": "session-1",
        "tenant": "acme",
        "env": "test",
        "images": [
            {"type": 3, "data": b64(b"face1"), "index": 1},
            {"type": 2, "data": b64(b"face2"), "index": 2, "detectAll": True},
        ],
        "outputImageParams": {
            "backgroundColor": [128, 128, 128],
            "crop": {"type": 0, "padColor": [255, 255, 255], "size": [300, 400]},
        },
    }
    request = json_format.ParseDict(body, matching_pb2.MatchRequest(), ignore_unknown_fields=False)
    assert request.images[0].type == 3 and request.images[1].data == b"face2"
    assert request.output_image_params.crop.HasField("type")  # ALIGN_3x4 = 0 is told apart from "absent"
    assert not matching_pb2.MatchImage().HasField("type")  # so the service can default it to LIVE
    assert json_format.MessageToDict(request, use_integers_for_enums=True) == body


def test_detect_response_renders_as_regula_json() -> None:
    response = detection_pb2.DetectResponse(code=0)
    response.results.detector_type = 3
    response.results.landmarks_type = 2
    response.results.elapsed_time = 0.5
    face = response.results.detections.add(roi=[508, 267, 310, 310])
    for x, y in [(588, 342), (735, 342), (668, 418), (607, 502), (725, 502)]:
        face.landmarks.add(x=x, y=y)
    route = next(r for r in proto_http.routes() if r.path == "/api/detect")

    status, body = proto_http.rest_response(route, response)

    assert status == 200
    assert body == {
        "code": 0,
        "results": {
            "detections": [
                {
                    "roi": [508, 267, 310, 310],
                    "landmarks": [[588, 342], [735, 342], [668, 418], [607, 502], [725, 502]],
                }
            ],
            "detectorType": 3,
            "landmarksType": 2,
            "elapsedTime": 0.5,
        },
    }


def test_struct_numbers_come_back_as_doubles_and_the_quirk_restores_ints() -> None:
    metadata = {"age": 12, "score": 12.5, "tags": [1, 2.0], "nested": {"n": 0}}
    struct = json_format.ParseDict(metadata, struct_pb2.Struct())
    raw = json_format.MessageToDict(struct)
    assert raw["age"] == 12 and isinstance(raw["age"], float)  # the finding: 12 -> 12.0
    assert proto_http.integral_floats_to_ints(raw) == {
        "age": 12,
        "score": 12.5,
        "tags": [1, 2],
        "nested": {"n": 0},
    }
    assert isinstance(proto_http.integral_floats_to_ints(raw)["age"], int)


def test_person_routes_render_person_alone_with_their_status() -> None:
    routes = {r.rpc.name: r for r in proto_http.routes()}
    created = persons_pb2.CreatePersonResponse()
    created.person.name = "Ann"
    created.person.id = "0b6b1e8e-0000-4000-8000-000000000001"
    created.person.created_at = "2026-01-01T00:00:00Z"
    created.person.metadata.update({"level": 3})

    assert proto_http.rest_response(routes["CreatePerson"], created) == (
        201,
        {
            "name": "Ann",
            "id": created.person.id,
            "createdAt": "2026-01-01T00:00:00Z",
            "metadata": {"level": 3},
            "groups": [],
        },
    )
    assert proto_http.rest_response(routes["UpdatePerson"], persons_pb2.UpdatePersonResponse()) == (204, None)
    image = persons_pb2.GetPersonImageResponse()
    image.image.content_type, image.image.data = "image/jpeg", b"\xff\xd8\xff"
    assert proto_http.rest_response(routes["GetPersonImage"], image) == (200, b"\xff\xd8\xff")


def test_search_answers_201_with_the_created_person_alone() -> None:
    route = next(r for r in proto_http.routes() if r.rpc.name == "Search")
    found = search_pb2.SearchResponse(code=0)
    found.persons.add(name="Ann", id="p1").images.add(id="i1", similarity=0.75, distance=0.25)
    status, body = proto_http.rest_response(route, found)
    assert status == 200 and set(body) == {"code", "persons"}
    assert body["persons"][0]["images"][0]["distance"] == 0.25

    created = search_pb2.SearchResponse()
    created.created_person.name = "New"
    created.created_person.id = "p2"
    created.created_person.detection.version_sdk = "visage"
    status, body = proto_http.rest_response(route, created)
    assert status == 201
    assert body["id"] == "p2" and body["detection"]["versionSDK"] == "visage" and "code" not in body
