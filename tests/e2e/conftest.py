"""One running Visage (detection, matching, gateway as real processes, real certificates) for the e2e tests.

Started once per session through `services.launcher.running_platform` on free loopback ports; the models
come from VISAGE_MODELS_DIR (never downloaded).
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from certs.generate import generate
from services.launcher import LauncherSettings, Platform, running_platform

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
            startup_timeout_seconds=120,
        )
        # Each platform keeps its liveness transactions (SQLite, media, secret) in a fresh folder.
        stores = {"VISAGE_LIVENESS_STORES__DATA_DIR": str(tmp_path_factory.mktemp("liveness-data"))}
        # ... and its persons, photos and vectors (SQLite, folder, Milvus Lite) in another.
        stores["VISAGE_IDENTIFICATION_STORES__DATA_DIR"] = str(tmp_path_factory.mktemp("identification-data"))
        return running_platform(settings, environment | stores)

    return start


@pytest.fixture(scope="session")
def platform(start_platform: Callable[[], AbstractContextManager[Platform]]) -> Iterator[Platform]:
    with start_platform() as running:
        yield running


@pytest.fixture(scope="session")
def api(platform: Platform) -> Iterator[httpx.Client]:
    """An HTTP client whose base URL is the API root (`.../api`)."""
    with httpx.Client(base_url=platform.api_url + "/", timeout=60.0) as client:
        yield client


@pytest.fixture(scope="session")
def photo_b64(faces_dir: Path) -> Callable[[str | Path], str]:
    """Base64 of a photo: a path relative to tests/data/faces, or a labelled photo's `file` (absolute, since a
    derived photo is made elsewhere)."""

    def encode(photo: str | Path) -> str:
        return base64.b64encode((faces_dir / photo).read_bytes()).decode()

    return encode
