"""Response message -> HTTP status and Regula JSON (the quirks table of protos/README.md)."""

from __future__ import annotations

import pytest
from visage.detection.v1 import detection_pb2
from visage.identification.v1 import persons_pb2, search_pb2
from visage.liveness.v1 import liveness_pb2
from visage.matching.v1 import matching_pb2

from gateway.render import Rendered, render, render_response
from gateway.rules import RestRoute, service_routes
from tests.unit import proto_http

pytestmark = pytest.mark.unit


def route(name: str) -> RestRoute:
    routes = [r for s in proto_http.SERVICES for r in service_routes(s, s.name)]
    return next(r for r in routes if r.rpc.name == name)


def respond(name: str, response) -> Rendered:
    r = route(name)
    return render_response(r.rule, r.success_status, response)


def test_match_response_has_points_as_pairs_and_every_plain_field_printed() -> None:
    response = matching_pb2.MatchResponse(code=0)
    detection = response.detections.add(image_index=0, status=0)
    face = detection.faces.add(face_index=0, roi=[10.5, 20, 30, 40], rotation_angle=1.5)
    face.landmarks.add(x=12.25, y=22)
    face.landmarks.add(y=3)  # x = 0 is not printed by protobuf: the pair still has two numbers
    response.detections.add(image_index=1, status=2)
    response.results.add(first_index=0, second_index=1, first=3, second=3, score=0.25, similarity=0.75)

    rendered = respond("Match", response)

    assert rendered.status == 200 and rendered.media_type == "application/json"
    assert rendered.body == {
        "code": 0,
        "detections": [
            {
                "faces": [
                    {
                        "faceIndex": 0,
                        "landmarks": [[12.25, 22.0], [0.0, 3.0]],
                        "rotationAngle": 1.5,
                        "roi": [10.5, 20.0, 30.0, 40.0],
                    }
                ],
                "imageIndex": 0,
                "status": 0,
            },
            {"faces": [], "imageIndex": 1, "status": 2},
        ],
        "results": [
            {
                "firstIndex": 0,
                "firstFaceIndex": 0,
                "first": 3,
                "secondIndex": 1,
                "secondFaceIndex": 0,
                "second": 3,
                "score": 0.25,
                "similarity": 0.75,
            }
        ],
    }
    assert list(rendered.body) == ["code", "detections", "results"]  # declaration order, as Regula's


def test_optional_fields_are_left_out_until_set() -> None:
    detection = detection_pb2.Detection(roi=[1, 2, 3, 4])
    assert "crop" not in render(detection) and "quality" not in render(detection)
    detection.crop = b"\xff\xd8"
    assert render(detection)["crop"] == "/9g="


def test_free_form_numbers_come_back_whole_where_the_client_sent_whole_numbers() -> None:
    transaction = liveness_pb2.GetLivenessTransactionResponse()
    transaction.transaction.metadata.update({"n": 12, "ratio": 0.5, "nested": {"list": [1, 2.5]}})
    transaction.transaction.age.add().update({"low": 20, "high": 26})
    body = respond("GetLivenessTransaction", transaction).body
    assert body["metadata"] == {"n": 12, "ratio": 0.5, "nested": {"list": [1, 2.5]}}
    assert isinstance(body["metadata"]["n"], int) and body["age"] == [{"low": 20, "high": 26}]
    assert "status" not in body  # Regula's null while undetermined: the key is left out


def test_created_person_answers_201_with_the_person_alone() -> None:
    created = persons_pb2.CreatePersonResponse()
    created.person.name, created.person.id = "Ann", "p1"
    rendered = respond("CreatePerson", created)
    assert rendered.status == 201 and rendered.body["name"] == "Ann" and "person" not in rendered.body


def test_204_routes_send_no_body() -> None:
    assert respond("DeletePerson", persons_pb2.DeletePersonResponse()) == Rendered(204, None, None)


def test_person_image_is_sent_raw_with_its_content_type() -> None:
    image = persons_pb2.GetPersonImageResponse()
    image.image.content_type, image.image.data = "image/png", b"\x89PNG..."
    assert respond("GetPersonImage", image) == Rendered(200, b"\x89PNG...", "image/png")


def test_search_answers_201_with_the_created_person_when_it_is_set() -> None:
    found = search_pb2.SearchResponse(code=0)
    found.persons.add(name="Ann", id="p1")
    assert respond("Search", found).status == 200

    created = search_pb2.SearchResponse()
    created.created_person.name = "New"
    created.created_person.detection.landmarks.add(x=1, y=2)
    rendered = respond("Search", created)
    assert rendered.status == 201
    assert rendered.body["name"] == "New" and rendered.body["detection"]["landmarks"] == [[1.0, 2.0]]
