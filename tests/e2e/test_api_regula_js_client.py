"""Regula's JavaScript client (npm `@regulaforensics/facesdk-webclient`, run by node) against the running
platform, sending the API key the way the client allows: extra headers in axios' `baseOptions`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from services.launcher import Platform
from tests.e2e.conftest import npm_installed

CLIENT_DIR = Path(__file__).with_name("js")
FACE = "deepface/tests/unit/dataset/img27.jpg"


@pytest.fixture(scope="module")
def js_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client installed from the committed lock file into a folder of its own (`npm ci`)."""
    folder = npm_installed(CLIENT_DIR, ["regula_client.mjs"], tmp_path_factory.mktemp("regula-js-client"))
    return folder / "regula_client.mjs"


def test_regula_js_client_detects_matches_and_creates_a_group_with_a_key(
    platform: Platform, js_client: Path, faces_dir: Path
) -> None:
    environment = os.environ | {
        "VISAGE_URL": platform.api_url.removesuffix("/api"),
        "VISAGE_KEY": platform.keys.admin,
        "VISAGE_PHOTO": str(faces_dir / FACE),
    }
    run = subprocess.run(
        ["node", str(js_client)], env=environment, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["faces"] == 1
    assert answer["similarity"] > 0.9  # the same photo twice
    assert len(answer["groupId"]) == 36
    assert answer["refusedStatus"] == 401  # the same client without the key
