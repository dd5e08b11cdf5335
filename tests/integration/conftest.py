"""Fixtures for tests that run real servers on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from certs.generate import generate
from libs.rpc.tls import TLSFiles


@pytest.fixture(scope="session")
def dev_certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory made by `certs.generate`: ca.pem, <service>.pem/.key per service, gateway.pem/.key."""
    out = tmp_path_factory.mktemp("certs")
    generate(out)
    return out


@pytest.fixture(scope="session")
def gateway_tls(dev_certs: Path) -> TLSFiles:
    return TLSFiles.in_directory(dev_certs, "gateway")


@pytest.fixture(scope="session")
def detection_tls(dev_certs: Path) -> TLSFiles:
    return TLSFiles.in_directory(dev_certs, "detection")
