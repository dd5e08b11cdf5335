"""The `visage` command against the running platform: status, detect, match, enroll (twice: the second run
only does what is left), search, with the API key from the environment, and the exit codes of failures."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from services.launcher import Platform
from tests.e2e.conftest import api_client
from tests.identification_support import KATY, KATY_MORE, NO_FACE, OBAMA


def visage(platform: Platform, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {
        "VISAGE_CLI_API_URL": platform.api_url.removesuffix("/api"),
        "VISAGE_CLI_API_KEY": key if key is not None else platform.keys.admin,
        "COLUMNS": "200",  # tables unwrapped
    }
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=environment, capture_output=True, text=True, timeout=300
    )


def test_status_detect_and_match_print_readable_answers(platform: Platform, faces_dir: Path) -> None:
    status = visage(platform, "status")
    assert status.returncode == 0 and "ready" in status.stdout and "identification" in status.stdout
    detected = visage(platform, "detect", str(faces_dir / KATY[0]))
    assert detected.returncode == 0, detected.stderr
    assert KATY[0].split("/")[-1] in detected.stdout and "│ 5 " in detected.stdout  # one face, 5 landmarks
    matched = visage(
        platform, "match", str(faces_dir / KATY[0]), str(faces_dir / KATY[1]), str(faces_dir / OBAMA[0])
    )
    assert matched.returncode == 0, matched.stderr
    lines = [line for line in matched.stdout.splitlines() if "│" in line and ".jpg" in line]
    assert len(lines) == 3 and sum(" yes " in line for line in lines) == 1  # only Katy with Katy


def test_enroll_is_resumable_and_search_finds_the_enrolled(
    platform: Platform, faces_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "people"
    for name, photos in (("Katy Perry", KATY[:2]), ("Barack Obama", OBAMA[:1])):
        (source / name).mkdir(parents=True)
        for photo in photos:
            shutil.copy(faces_dir / photo, source / name / Path(photo).name)
    first = visage(platform, "enroll", str(source), "--group", "cli guests")
    assert first.returncode == 0, first.stderr
    assert "enrolled 3 photos of 2 persons" in first.stdout
    again = visage(platform, "enroll", str(source), "--group", "cli guests")
    assert again.returncode == 0 and "enrolled 0 photos of 0 persons (2 in the source)" in again.stdout

    found = visage(platform, "search", str(faces_dir / KATY_MORE))
    assert found.returncode == 0, found.stderr
    assert found.stdout.count("Katy Perry") == 1 and "Barack Obama" not in found.stdout

    (source / "Nobody").mkdir()
    shutil.copy(faces_dir / NO_FACE, source / "Nobody" / "no-face.jpg")
    partial = visage(platform, "enroll", str(source))
    assert partial.returncode == 1 and "1 failed" in partial.stdout and "no face" in partial.stderr


def test_failures_are_one_line_with_an_exit_code_that_says_why(platform: Platform, faces_dir: Path) -> None:
    refused = visage(platform, "detect", str(faces_dir / KATY[0]), key="vsk_000000000000_" + "A" * 43)
    assert refused.returncode == 3 and refused.stderr.strip().startswith("error: POST /api/detect: 401")
    assert len(refused.stderr.strip().splitlines()) == 1
    environment_down = os.environ | {"VISAGE_CLI_API_URL": "http://127.0.0.1:9", "VISAGE_CLI_API_KEY": "x"}
    down = subprocess.run(
        [sys.executable, "-m", "cli", "status"],
        env=environment_down,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode == 4 and "cannot reach the API" in down.stderr
    usage = visage(platform, "match", str(faces_dir / KATY[0]))
    assert usage.returncode == 2


def test_a_gallery_exported_from_one_tenant_imports_into_another(
    platform: Platform, api: httpx.Client, faces_dir: Path, tmp_path: Path
) -> None:
    keys = {}
    for tenant in ("export-from", "import-to"):
        made = api.post("admin/keys", json={"tenant": tenant, "scopes": ["write"]})
        keys[tenant] = made.json()["key"]
    with api_client(platform, keys["export-from"]) as source:
        group = source.post("groups", json={"name": "vip", "metadata": {"floor": 3}}).json()["id"]
        person = source.post("persons", json={"name": "Katy", "groups": [group], "metadata": {"n": 1}}).json()
        for photo in KATY:
            body = {"image": {"content": base64.b64encode((faces_dir / photo).read_bytes()).decode()}}
            assert source.post(f"persons/{person['id']}/images", json=body).status_code == 200

    exported = visage(platform, "export", str(tmp_path / "gallery"), key=keys["export-from"])
    assert exported.returncode == 0, exported.stderr
    assert "exported 1 groups, 1 persons, 2 photos" in exported.stdout
    gallery = json.loads((tmp_path / "gallery" / "gallery.json").read_text())
    assert gallery["format"] == "visage-gallery/1" and gallery["persons"][0]["metadata"] == {"n": 1}

    imported = visage(platform, "import", str(tmp_path / "gallery"), key=keys["import-to"])
    assert imported.returncode == 0, imported.stderr
    with api_client(platform, keys["import-to"]) as target:
        (copy,) = target.get("groups").json()["items"]
        assert (copy["name"], copy["metadata"], copy["id"] != group) == ("vip", {"floor": 3}, True)
        (katy,) = target.get(f"groups/{copy['id']}/persons").json()["items"]
        assert katy["name"] == "Katy" and len(target.get(f"persons/{katy['id']}/images").json()["items"]) == 2
    found = visage(platform, "search", str(faces_dir / KATY_MORE), key=keys["import-to"])
    assert found.returncode == 0 and found.stdout.count("Katy") == 1 and katy["id"] in found.stdout
