"""One running Visage (detection, matching, gateway as real processes, real certificates) for the e2e tests.

Started once per session through `services.launcher.running_platform` on free loopback ports; the models
come from VISAGE_MODELS_DIR (never downloaded).
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from regula.facesdk.webclient.ext import FaceSdk
from regula.facesdk.webclient.gen import ApiClient, Configuration

from certs.generate import generate
from libs.auth.store import KeyStoreSettings
from services.launcher import LauncherSettings, Platform, running_platform
from tests.e2e.browser import CHROMIUM, PORTRAIT, launch_with_camera, write_fake_camera

BACKENDS = ("detection", "matching", "liveness", "identification")


@pytest.fixture(scope="session")
def e2e_certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e2e-certs")
    generate(out, services=BACKENDS)
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def start_platform(
    e2e_certs: Path, models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], AbstractContextManager[Platform]]:
    """Starts a fresh platform on new free ports each time it is entered."""
    assert models_dir.is_dir(), f"e2e tests need the models in {models_dir} (VISAGE_MODELS_DIR)"
    environment = {"VISAGE_MODELS_DIR": str(models_dir), "VISAGE_MODELS_ALLOW_DOWNLOAD": "false"}

    def start() -> AbstractContextManager[Platform]:
        settings = LauncherSettings(
            certs_dir=e2e_certs,
            gateway_port=free_port(),
            ports={name: free_port() for name in BACKENDS},
            metrics_ports={name: free_port() for name in BACKENDS},
            startup_timeout_seconds=120,
        )
        # Each platform keeps its liveness transactions (SQLite, media, secret) in a fresh folder.
        stores = {"VISAGE_LIVENESS_STORES__DATA_DIR": str(tmp_path_factory.mktemp("liveness-data"))}
        # ... and its persons, photos and vectors (SQLite, folder, Milvus Lite) in another.
        stores["VISAGE_IDENTIFICATION_STORES__DATA_DIR"] = str(tmp_path_factory.mktemp("identification-data"))
        # ... and its API keys (the launcher makes the local ones there before the gateway starts).
        keys = KeyStoreSettings(data_dir=tmp_path_factory.mktemp("gateway-keys"))
        stores["VISAGE_GATEWAY_KEYS__DATA_DIR"] = str(keys.data_dir)
        return running_platform(settings, environment | stores, key_store=keys)

    return start


@pytest.fixture(scope="session")
def platform(start_platform: Callable[[], AbstractContextManager[Platform]]) -> Iterator[Platform]:
    with start_platform() as running:
        yield running


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def api_client(platform: Platform, key: str | None = None) -> httpx.Client:
    """An HTTP client of the API root (`.../api`) sending `key` (default: the local admin key)."""
    headers = bearer(key or platform.keys.admin)
    return httpx.Client(base_url=platform.api_url + "/", headers=headers, timeout=60.0)


def regula_sdk(platform: Platform, key: str | None = None) -> FaceSdk:
    """Regula's own Python client, adding the API key header the way its ApiClient lets a caller."""
    configuration = Configuration(host=platform.api_url.removesuffix("/api"))
    authorization = bearer(key or platform.keys.admin)["Authorization"]
    return FaceSdk(api_client=ApiClient(configuration, "Authorization", authorization))


@pytest.fixture(scope="session")
def api(platform: Platform) -> Iterator[httpx.Client]:
    """An HTTP client of the API root with the local admin key (tenant "default")."""
    with api_client(platform) as client:
        yield client


@pytest.fixture(scope="session")
def photo_b64(faces_dir: Path) -> Callable[[str | Path], str]:
    """Base64 of a photo: a path relative to tests/data/faces, or a labelled photo's `file` (absolute, since a
    derived photo is made elsewhere)."""

    def encode(photo: str | Path) -> str:
        return base64.b64encode((faces_dir / photo).read_bytes()).decode()

    return encode


# The browser tests' Chromium (tests/e2e/browser.py), one per test module.
@pytest.fixture(scope="module")
def driver() -> Iterator[Playwright]:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium (as .ci/run does)"
    )
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def camera_browser(
    driver: Playwright, faces_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    video = write_fake_camera(PORTRAIT, faces_dir, tmp_path_factory.mktemp("fake-camera") / "portrait.y4m")
    browser = launch_with_camera(driver, video)
    yield browser
    browser.close()


def npm_installed(source: Path, files: Iterable[str], folder: Path) -> Path:
    """`files` of the Node.js project in `source` copied into `folder`, its packages installed there from the
    committed lock file (`npm ci`); the folder."""
    for tool in ("node", "npm"):
        assert shutil.which(tool), f"{tool} is missing: the JavaScript tests need Node.js 18+"
    for name in ("package.json", "package-lock.json", *files):
        shutil.copy(source / name, folder / name)
    subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=folder, check=True, timeout=300)
    return folder
