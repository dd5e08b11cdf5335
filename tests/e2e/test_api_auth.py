"""API keys through the running platform: refused without one, scopes, the `visage keys` command line
against the live gateway, the admin API, and Regula's Python client sending a key."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from regula.facesdk.webclient.ext import DetectRequest
from regula.facesdk.webclient.gen import ApiException

from libs.auth.store import KeyStoreSettings
from services.launcher import Platform
from tests.e2e.conftest import api_client, regula_sdk
from tests.photos import LabelledPhoto

FACE = "deepface/tests/unit/dataset/img27.jpg"  # one face


def visage_cli(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m cli ...` with the gateway's key store, as an operator on the same machine runs it."""
    environment = os.environ | {"VISAGE_GATEWAY_KEYS__DATA_DIR": str(platform.key_store.data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=environment, capture_output=True, text=True, timeout=60
    )


def test_data_routes_need_a_key_and_health_does_not(platform: Platform) -> None:
    with httpx.Client(base_url=platform.api_url + "/", timeout=30) as anonymous:
        for method, path in (("POST", "persons"), ("POST", "detect"), ("GET", "groups")):
            answer = anonymous.request(method, path, json={} if method == "POST" else None)
            assert answer.status_code == 401, (path, answer.text)
            body = answer.json()
            assert body["type"] == "UnauthenticatedError" and "API key" in body["msg"]
        for path in ("healthz", "readyz", "openapi.json"):
            assert anonymous.get(path).status_code == 200


def test_a_key_made_by_the_command_line_works_at_once_within_its_scope(
    platform: Platform, photo_b64: Callable[[str | Path], str]
) -> None:
    made = visage_cli(
        platform, "keys", "create", "--tenant", "cli-tenant", "--scope", "read", "--name", "e2e"
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]  # the key is the last line
    with api_client(platform, key) as reader:
        assert reader.post("detect", json={"image": photo_b64(FACE)}).status_code == 200
        assert reader.get("groups").json()["items"] == []  # a new tenant sees no group
        assert reader.post("persons", json={"name": "Ann"}).status_code == 403

    key_id = key.split("_")[1]
    listed = visage_cli(platform, "keys", "list", "--tenant", "cli-tenant")
    assert listed.returncode == 0 and key_id in listed.stdout and key not in listed.stdout
    assert visage_cli(platform, "keys", "revoke", key_id).returncode == 0
    # Another process revoked it: the gateway's key cache (cache_seconds, 5 s) lets it work at most that long.
    deadline = time.monotonic() + KeyStoreSettings().cache_seconds + 5
    with api_client(platform, key) as revoked:
        while (status := revoked.get("groups").status_code) == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
    assert status == 401
    assert visage_cli(platform, "keys", "revoke", key_id).returncode != 0  # already revoked: said so


def test_admin_api_keys_and_regula_client_with_a_key(
    platform: Platform, api: httpx.Client, faces_dir: Path
) -> None:
    made = api.post("admin/keys", json={"tenant": "regula-client", "scopes": ["write"]})
    assert made.status_code == 201
    key = made.json()["key"]
    sdk = regula_sdk(platform, key)
    detected = sdk.match_api.detect(DetectRequest(image=(faces_dir / FACE).read_bytes()))
    assert len(detected.results.detections) == 1

    with pytest.raises(ApiException) as refused:
        regula_sdk(platform, "vsk_000000000000_" + "A" * 43).match_api.detect(
            DetectRequest(image=(faces_dir / FACE).read_bytes())
        )
    assert refused.value.status == 401
    with api_client(platform, key) as writer:
        assert writer.get("admin/keys").status_code == 403  # write is not admin
    assert api.delete(f"admin/keys/{made.json()['id']}").status_code == 204


def test_a_keys_face_and_image_limits_hold_through_every_service(
    platform: Platform, api: httpx.Client, photo_b64: Callable[[str | Path], str], labels: list[LabelledPhoto]
) -> None:
    group = next(p for p in labels if p.kind == "multi" and p.notes.startswith("faces=5"))
    limits = {"maxFacesPerImage": 2, "maxImagesPerRequest": 2}
    made = api.post("admin/keys", json={"tenant": "limited", "scopes": ["read"], **limits})
    assert made.status_code == 201 and made.json()["maxFacesPerImage"] == 2
    with api_client(platform, made.json()["key"]) as limited:
        detected = limited.post("detect", json={"image": photo_b64(group.file)})
        assert len(detected.json()["results"]["detections"]) == 2  # the two best of five
        everyone = api.post("detect", json={"image": photo_b64(group.file)})
        assert len(everyone.json()["results"]["detections"]) == 5  # the same photo for a key without a limit
        image = {"type": 3, "data": photo_b64(group.file), "detectAll": True}
        matched = limited.post("match", json={"images": [image | {"index": 1}, image | {"index": 2}]})
        assert matched.status_code == 200, matched.text
        assert [len(d["faces"]) for d in matched.json()["detections"]] == [2, 2]  # the two most central

        three = [image | {"index": n} for n in range(3)]
        refused = limited.post("match", json={"images": three})
        assert refused.status_code == 400 and refused.json()["metadata"]["resultCode"] == 238
        assert "allows 2" in refused.json()["msg"]
