"""Identification through the gateway: persons, groups, images, search and match-and-search as REST, then
Regula's own Python client on the same routes."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from regula.facesdk.webclient.ext import FaceSdk
from regula.facesdk.webclient.gen.models import ImageFieldsImage, PersonFields, SearchRequest

from services.launcher import Platform
from tests.e2e.conftest import regula_sdk

pytestmark = pytest.mark.e2e

KATY_1 = "deepface/tests/unit/dataset/img42.jpg"
KATY_2 = "deepface/tests/unit/dataset/img27.jpg"
KATY_3 = "deepface/tests/unit/dataset/img28.jpg"
OTHER = "deepface/tests/unit/dataset/img18.jpg"
OBAMA = "face_recognition/tests/test_images/obama.jpg"
UNKNOWN = str(uuid.uuid4())


def test_identification_lifecycle(
    api: httpx.Client, photo_b64: Callable[[str], str], faces_dir: Path
) -> None:
    group = api.post("groups", json={"name": "staff", "metadata": {"floor": 3}})
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    assert group.json()["metadata"] == {"floor": 3}

    person = api.post("persons", json={"name": "Katy", "groups": [group_id], "metadata": {"n": 1}})
    assert person.status_code == 201, person.text
    person_id = person.json()["id"]
    assert person.json()["groups"] == [group_id] and person.json()["createdAt"].endswith("Z")

    added = api.post(f"persons/{person_id}/images", json={"image": {"content": photo_b64(KATY_1)}})
    assert added.status_code == 200, added.text
    image = added.json()
    assert image["contentType"] == "image/jpeg"
    assert image["url"] == f"/api/persons/{person_id}/images/{image['id']}"

    listed = api.get(f"persons/{person_id}/images", params={"page": 1, "size": 10})
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [image["id"]] and listed.json()[
        "totalPages"
    ] == 1

    raw = api.get(f"persons/{person_id}/images/{image['id']}")
    assert raw.status_code == 200 and raw.headers["content-type"] == "image/jpeg"
    assert raw.content == (faces_dir / KATY_1).read_bytes()

    found = api.post("search", json={"image": {"content": photo_b64(KATY_2)}, "groupIds": [group_id]})
    assert found.status_code == 200, found.text
    (match,) = found.json()["persons"]
    assert match["id"] == person_id and match["name"] == "Katy" and match["metadata"] == {"n": 1}
    assert match["images"][0]["id"] == image["id"] and 0 < match["images"][0]["distance"] < 1.2
    assert len(match["detection"]["landmarks"]) == 5 and len(match["detection"]["roi"]) == 4
    with_images = api.post("search?withImages=true", json={"image": {"content": photo_b64(KATY_2)}})
    assert base64.b64decode(with_images.json()["persons"][0]["images"][0]["content"]) == raw.content

    both = api.post(
        "match_and_search",
        json={
            "images": [{"content": photo_b64(KATY_2)}, {"content": photo_b64(OTHER)}],
            "groupIds": [group_id],
        },
    )
    assert both.status_code == 200, both.text
    body = both.json()
    assert [d["imageIndex"] for d in body["detections"]] == [0, 1]
    assert body["detections"][0]["faces"][0]["persons"][0]["id"] == person_id
    assert body["detections"][1]["faces"][0]["persons"] == []
    assert len(body["results"]) == 1 and body["results"][0]["similarity"] < 0.5

    assert api.put(f"persons/{person_id}", json={"name": "Katheryn"}).status_code == 204
    assert api.get(f"persons/{person_id}").json()["name"] == "Katheryn"
    assert api.put(f"groups/{group_id}", json={"name": "crew", "metadata": {}}).status_code == 204
    assert api.get(f"groups/{group_id}").json()["name"] == "crew"
    members = api.get(f"groups/{group_id}/persons").json()
    assert [p["id"] for p in members["items"]] == [person_id] and members["page"] == 1
    assert api.put(f"groups/{group_id}/persons", json={"removeItems": [person_id]}).status_code == 204
    assert api.get(f"persons/{person_id}/groups").json()["items"] == []
    assert group_id in [g["id"] for g in api.get("groups").json()["items"]]

    assert api.delete(f"persons/{person_id}/images/{image['id']}").status_code == 204
    assert api.get(f"persons/{person_id}/images/{image['id']}").status_code == 404
    assert api.delete(f"persons/{person_id}").status_code == 204
    assert api.get(f"persons/{person_id}").status_code == 404
    assert api.delete(f"groups/{group_id}").status_code == 204
    assert api.get(f"groups/{group_id}").status_code == 404


def test_search_creates_a_person_when_nobody_matches(
    api: httpx.Client, photo_b64: Callable[[str], str]
) -> None:
    body = {"image": {"content": photo_b64(OBAMA)}, "createPerson": {"name": "walk-in", "metadata": {"v": 2}}}
    created = api.post("search", json=body)
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["name"] == "walk-in" and person["metadata"] == {"v": 2} and len(person["images"]) == 1
    assert "persons" not in person  # the 201 body is the SearchPerson alone
    again = api.post("search", json=body)
    assert again.status_code == 200 and again.json()["persons"][0]["id"] == person["id"]
    assert api.delete(f"persons/{person['id']}").status_code == 204


def test_unknown_ids_are_404_and_malformed_ids_400(
    api: httpx.Client, photo_b64: Callable[[str], str]
) -> None:
    for path in (f"persons/{UNKNOWN}", f"groups/{UNKNOWN}", f"persons/{UNKNOWN}/images"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["statusCode"] == 404
    assert api.delete(f"persons/{UNKNOWN}").status_code == 404
    added = api.post(f"persons/{UNKNOWN}/images", json={"image": {"content": photo_b64(KATY_1)}})
    assert added.status_code == 404
    person_id = api.post("persons", json={"name": "x"}).json()["id"]
    assert api.get(f"persons/{person_id}/images/{UNKNOWN}").status_code == 404
    bad = api.get("persons/not-a-uuid")
    assert bad.status_code == 400 and "uuid" in bad.json()["msg"]
    assert api.post("persons", json={"name": ""}).status_code == 400
    assert api.delete(f"persons/{person_id}").status_code == 204


@pytest.fixture(scope="module")
def sdk(platform: Platform) -> FaceSdk:
    return regula_sdk(platform)


def test_regula_client_enrols_and_searches(sdk: FaceSdk, faces_dir: Path) -> None:
    person = sdk.person_api.create_person(PersonFields(name="Katy (client)"))
    added = sdk.person_api.add_image_to_person(person.id, (faces_dir / KATY_1).read_bytes(), "image/jpeg")
    assert added.id and added.content_type == "image/jpeg"
    # The client's search takes the raw bytes and base64-encodes them itself.
    probe = ImageFieldsImage(content=(faces_dir / KATY_3).read_bytes())  # type: ignore[arg-type]
    result = sdk.search_api.search(SearchRequest(image=probe, limit=3))
    assert result.code == 0
    assert result.persons[0].id == person.id and result.persons[0].images[0].id == added.id
    sdk.person_api.delete_person(person.id)
