"""Tenants through the running platform: two API keys of two tenants, every identification and liveness
route given the other tenant's ids (404, never the data, nothing changed), searches that stay in their tenant,
and a whole tenant deleted through the admin API, read back from its SQL databases and object folder.

Vectors are checked directly at the service level (tests/integration/test_tenant_isolation.py): Milvus Lite
lets only the service that holds it open the file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from services.launcher import Platform
from tests.e2e.conftest import api_client

KATY_1 = "deepface/tests/unit/dataset/img42.jpg"
KATY_2 = "deepface/tests/unit/dataset/img27.jpg"


def tenant_client(api: httpx.Client, platform: Platform, tenant: str) -> httpx.Client:
    made = api.post("admin/keys", json={"tenant": tenant, "scopes": ["write"], "name": "e2e tenants"})
    assert made.status_code == 201, made.text
    return api_client(platform, made.json()["key"])


@pytest.fixture(scope="module")
def alpha(api: httpx.Client, platform: Platform) -> Iterator[httpx.Client]:
    with tenant_client(api, platform, "alpha") as client:
        yield client


@pytest.fixture(scope="module")
def beta(api: httpx.Client, platform: Platform) -> Iterator[httpx.Client]:
    with tenant_client(api, platform, "beta") as client:
        yield client


def enrol(client: httpx.Client, photo_b64: Callable[[str | Path], str], name: str) -> dict[str, str]:
    group = client.post("groups", json={"name": f"{name}'s group", "metadata": {}}).json()["id"]
    person = client.post("persons", json={"name": name, "groups": [group]}).json()["id"]
    image = client.post(f"persons/{person}/images", json={"image": {"content": photo_b64(KATY_1)}})
    assert image.status_code == 200, image.text
    started = client.post("v2/liveness/start", json={"tag": name.replace(" ", "-")})
    assert started.status_code == 200, started.text
    return {
        "group": group,
        "person": person,
        "image": image.json()["id"],
        "transaction": started.json()["transactionId"],
    }


def test_another_tenants_ids_answer_404_and_change_nothing(
    alpha: httpx.Client, beta: httpx.Client, photo_b64: Callable[[str | Path], str]
) -> None:
    theirs = enrol(alpha, photo_b64, "Alpha Katy")
    mine = enrol(beta, photo_b64, "Beta Katy")
    p, g, i, t = theirs["person"], theirs["group"], theirs["image"], theirs["transaction"]
    attempts = [
        ("GET", f"persons/{p}", None),
        ("PUT", f"persons/{p}", {"name": "taken over"}),
        ("GET", f"persons/{p}/images", None),
        ("POST", f"persons/{p}/images", {"image": {"content": photo_b64(KATY_2)}}),
        ("GET", f"persons/{p}/images/{i}", None),
        ("DELETE", f"persons/{p}/images/{i}", None),
        ("GET", f"persons/{p}/groups", None),
        ("GET", f"groups/{g}", None),
        ("PUT", f"groups/{g}", {"name": "taken over"}),
        ("GET", f"groups/{g}/persons", None),
        ("PUT", f"groups/{g}/persons", {"addItems": [mine["person"]]}),
        ("DELETE", f"groups/{g}", None),
        ("DELETE", f"persons/{p}", None),
        ("GET", f"v2/liveness?transactionId={t}", None),
        ("DELETE", f"v2/liveness?transactionId={t}", None),
    ]
    for method, path, body in attempts:
        answer = beta.request(method, path, json=body)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text)
        assert answer.json()["type"] == "NotFoundError"
        assert "Alpha" not in answer.text
    # Beta's own group cannot take Alpha's person either.
    answer = beta.put(f"groups/{mine['group']}/persons", json={"addItems": [p]})
    assert answer.status_code == 404, answer.text

    # Alpha's data is all still there, unchanged.
    person = alpha.get(f"persons/{p}").json()
    assert person["name"] == "Alpha Katy" and person["groups"] == [g]
    assert [item["id"] for item in alpha.get(f"persons/{p}/images").json()["items"]] == [i]
    assert alpha.get(f"groups/{g}").json()["name"] == "Alpha Katy's group"
    assert alpha.get(f"groups/{g}/persons").json()["items"][0]["id"] == p
    assert alpha.get("v2/liveness", params={"transactionId": t}).status_code == 200
    assert [group["id"] for group in beta.get("groups").json()["items"]] == [mine["group"]]


def test_a_search_never_returns_another_tenants_person(
    alpha: httpx.Client, beta: httpx.Client, photo_b64: Callable[[str | Path], str]
) -> None:
    theirs = enrol(alpha, photo_b64, "Alpha Only")
    probe = {"image": {"content": photo_b64(KATY_2)}}  # another photo of the person Alpha enrolled
    assert theirs["person"] in [found["id"] for found in alpha.post("search", json=probe).json()["persons"]]
    for body in (probe, probe | {"groupIds": [theirs["group"]]}, probe | {"limit": 1000}):
        answer = beta.post("search", json=body)
        assert answer.status_code in (200, 404), answer.text
        found = answer.json().get("persons", [])
        assert theirs["person"] not in [person["id"] for person in found]
        assert all(person["name"].startswith("Beta") for person in found)
    both = beta.post("match_and_search", json={"images": [probe["image"], probe["image"]]})
    assert both.status_code == 200, both.text
    assert theirs["person"] not in both.text


def test_deleting_a_tenant_removes_its_data_everywhere_and_keeps_the_others(
    api: httpx.Client, platform: Platform, beta: httpx.Client, photo_b64: Callable[[str | Path], str]
) -> None:
    with tenant_client(api, platform, "gamma") as gamma:
        enrol(gamma, photo_b64, "Gamma Katy")
        kept = enrol(beta, photo_b64, "Beta Kept")
        summary = api.delete("admin/tenants/gamma")
        assert summary.status_code == 200, summary.text
        assert summary.json() | {"deletedPersons": 1} == {
            "tenant": "gamma",
            "revokedKeys": 1,
            "deletedPersons": 1,
            "deletedGroups": 1,
            "pendingPersons": 0,
            "deletedTransactions": 1,
        }
        assert gamma.get("groups").status_code == 401  # its key went first

    identification = Path(platform.environment["VISAGE_IDENTIFICATION_STORES__DATA_DIR"])
    liveness = Path(platform.environment["VISAGE_LIVENESS_STORES__DATA_DIR"])
    for database, table in (
        (identification, "persons"),
        (identification, "groups"),
        (liveness, "liveness_transactions"),
    ):
        db_file = database / ("identification.db" if database == identification else "liveness.db")
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as connection:
            (left,) = connection.execute(f"SELECT COUNT(*) FROM {table} WHERE tenant = 'gamma'").fetchone()
            (others,) = connection.execute(f"SELECT COUNT(*) FROM {table} WHERE tenant = 'beta'").fetchone()
        assert left == 0 and others > 0, (table, left, others)
    for folder in (identification, liveness):
        assert not [
            path
            for path in (folder / "objects").rglob("*")
            if "tenants/gamma/" in path.as_posix() and path.is_file()
        ]
    assert beta.get(f"persons/{kept['person']}").status_code == 200
