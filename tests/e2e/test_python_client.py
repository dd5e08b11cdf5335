"""`visage.client.VisageClient` against the running platform: every method once, with typed answers, and
failures as typed errors carrying Regula's OperationLog (message, result code) and the HTTP status. Each
test works in a tenant of its own (a key made through the admin API), so what it lists is what it made."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from libs.errors import FaceSDKResultCode
from services.launcher import Platform
from tests.e2e.conftest import free_port
from tests.identification_support import KATY, KATY_MORE, NO_FACE, OBAMA, OTHER
from visage.client import (
    ApiUnreachableError,
    BadRequestError,
    ForbiddenError,
    MatchImage,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
    VisageClient,
)

pytestmark = pytest.mark.e2e


def tenant_key(api: httpx.Client, tenant: str, *scopes: str, **limits: int) -> str:
    made = api.post("admin/keys", json={"tenant": tenant, "scopes": list(scopes or ("write",)), **limits})
    assert made.status_code == 201, made.text
    return made.json()["key"]


def client_of(platform: Platform, key: str, retries: int = 2) -> VisageClient:
    return VisageClient(platform.api_url.removesuffix("/api"), key, timeout=60.0, retries=retries)


@pytest.fixture
def visage(platform: Platform, api: httpx.Client) -> Iterator[VisageClient]:
    with client_of(platform, tenant_key(api, f"py-{uuid.uuid4().hex[:12]}")) as client:
        yield client


def test_health_readiness_detect_and_match(visage: VisageClient, faces_dir: Path) -> None:
    assert visage.health().app and visage.health().version
    ready = visage.readiness()
    assert ready.ready and ready.backends.get("identification") == "SERVING"

    detected = visage.detect(faces_dir / KATY[0])  # a file, or its bytes
    assert detected.code == 0 and detected.results is not None
    (face,) = detected.results.detections
    assert len(face.roi) == 4 and len(face.landmarks) == 5 and face.quality is None
    nobody = visage.detect((faces_dir / NO_FACE).read_bytes())
    assert nobody.results is not None and nobody.results.detections == []
    aged = visage.detect(faces_dir / KATY[0], process_param={"attributes": {"config": [{"name": "Age"}]}})
    assert aged.results is not None and aged.results.detections[0].attributes is not None

    matched = visage.match(
        [faces_dir / KATY[0], MatchImage((faces_dir / KATY[1]).read_bytes(), type=1), faces_dir / OBAMA[0]]
    )
    pairs = {(pair.first_index, pair.second_index): pair for pair in matched.results}
    assert set(pairs) == {(0, 1), (0, 2), (1, 2)} and pairs[(0, 1)].second == 1
    assert pairs[(0, 1)].similarity > 0.5 > pairs[(0, 2)].similarity  # Katy twice, then Katy and Obama
    assert len(matched.detections) == 3 and all(image.faces for image in matched.detections)


def test_groups_persons_images_and_search(visage: VisageClient, faces_dir: Path) -> None:
    group = visage.create_group("staff", {"floor": 3})
    assert (group.name, group.metadata) == ("staff", {"floor": 3}) and len(group.id) == 36
    visage.update_group(group.id, "staff (all)", {"floor": 4})
    assert visage.get_group(group.id).name == "staff (all)"
    assert [g.id for g in visage.list_groups().items] == [group.id]

    katy = visage.create_person("Katy", groups=[group.id], metadata={"n": 1}, external_id="k-1")
    assert (katy.external_id, katy.groups, katy.metadata) == ("k-1", [group.id], {"n": 1})
    obama = visage.create_person("Barack")
    visage.update_group_persons(group.id, add=[obama.id])
    visage.update_person(katy.id, name="Katy Perry")
    assert visage.get_person(katy.id).name == "Katy Perry"
    assert {p.name for p in visage.every(visage.list_group_persons, group.id, size=1)} == {
        "Katy Perry",
        "Barack",
    }
    assert [g.id for g in visage.list_person_groups(obama.id).items] == [group.id]

    images = [visage.add_person_image(katy.id, faces_dir / photo) for photo in KATY]
    visage.add_person_image(obama.id, (faces_dir / OBAMA[0]).read_bytes(), content_type="image/jpeg")
    listed = visage.list_person_images(katy.id)
    assert {image.id for image in listed.items} == {image.id for image in images} and listed.total_pages == 1
    assert visage.get_person_image(katy.id, images[0].id) == (faces_dir / KATY[0]).read_bytes()

    found = visage.search(faces_dir / KATY_MORE, group_ids=[group.id], limit=1, with_images=True)
    (best,) = found.persons
    assert (best.id, best.name) == (katy.id, "Katy Perry") and found.created_person is None
    assert best.images[0].distance < 1.1136 and best.images[0].similarity > 0.5
    walk_in = visage.search(faces_dir / OTHER, group_ids=[group.id], create_person={"name": "walk-in"})
    assert walk_in.persons == [] and walk_in.created_person is not None
    assert walk_in.created_person.name == "walk-in"

    visage.delete_person_image(katy.id, images[1].id)
    assert [image.id for image in visage.list_person_images(katy.id).items] == [images[0].id]
    visage.delete_person(obama.id)
    visage.delete_group(group.id)
    with pytest.raises(NotFoundError):
        visage.get_group(group.id)


def test_a_liveness_transaction_is_read_back(
    visage: VisageClient, platform: Platform, api: httpx.Client
) -> None:
    key = tenant_key(api, "py-liveness", "write")
    with httpx.Client(base_url=platform.api_url + "/", headers={"Authorization": f"Bearer {key}"}) as raw:
        started = raw.post("v2/liveness/start", json={"tag": "py-client"}).json()  # the client reads only
    with client_of(platform, key) as client:
        transaction = client.liveness_transaction(started["transactionId"])
    assert (transaction.transaction_id, transaction.tag) == (started["transactionId"], "py-client")
    assert transaction.status is None  # nothing submitted yet: undetermined
    with pytest.raises(NotFoundError) as missing:
        visage.liveness_transaction(str(uuid.uuid4()))  # another tenant's, or nobody's
    assert missing.value.status == 404


def test_failures_are_typed_errors_with_the_operation_log(
    visage: VisageClient, platform: Platform, api: httpx.Client, faces_dir: Path
) -> None:
    person = visage.create_person("nobody's face")
    with pytest.raises(BadRequestError) as no_face:
        visage.add_person_image(person.id, faces_dir / NO_FACE)
    error = no_face.value
    assert (error.status, error.result_code) == (400, FaceSDKResultCode.FR_FACE_NOT_DETECTED)
    assert error.error_type == "FaceNotDetectedError" and error.request_id
    assert str(error).startswith(f"POST /api/persons/{person.id}/images: 400 ")

    with pytest.raises(NotFoundError) as unknown:
        visage.get_person(str(uuid.uuid4()))
    assert unknown.value.status == 404 and unknown.value.message

    with client_of(platform, "vsk_000000000000_" + "A" * 43) as stranger, pytest.raises(UnauthorizedError):
        stranger.list_groups()
    with client_of(platform, tenant_key(api, "py-reader", "read")) as reader, pytest.raises(ForbiddenError):
        reader.create_group("not allowed")

    nowhere = VisageClient(f"http://127.0.0.1:{free_port()}", "key", retries=1)
    with nowhere, pytest.raises(ApiUnreachableError) as down:
        nowhere.health()
    assert not down.value.request_sent and "cannot reach the API" in str(down.value)


def test_a_rate_limited_call_is_sent_again_when_the_server_says(
    platform: Platform, api: httpx.Client
) -> None:
    key = tenant_key(api, "py-limited", "read", requestsPerSecond=1)
    with client_of(platform, key, retries=0) as impatient, pytest.raises(RateLimitedError) as limited:
        for _ in range(5):  # more than one a second
            impatient.list_groups()
    assert limited.value.status == 429 and limited.value.retry_after is not None
    with client_of(platform, key, retries=3) as patient:
        assert [patient.list_groups().items for _ in range(3)] == [[], [], []]  # each waited its turn
