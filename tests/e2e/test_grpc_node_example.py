"""examples/node-grpc (Node.js, `@grpc/grpc-js` with stubs loaded from protos/) against the running platform's
detection and identification services, directly over mutual TLS with a client certificate of the dev CA."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from certs.generate import generate
from services.launcher import Platform
from tests.e2e.conftest import npm_installed
from tests.identification_support import KATY

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_DIR = REPO / "examples" / "node-grpc"
SCRIPT = "visage_grpc.mjs"


@pytest.fixture(scope="module")
def node_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return npm_installed(EXAMPLE_DIR, [SCRIPT], tmp_path_factory.mktemp("node-grpc")) / SCRIPT


def run_example(
    script: Path, platform: Platform, certs: Path, photo: Path, tenant: str = "default"
) -> subprocess.CompletedProcess[str]:
    # By name: TLS sends the name of the server it wants only as a DNS name (the certificates have localhost).
    address = {name: where.replace("127.0.0.1", "localhost") for name, where in platform.backends.items()}
    settings = {
        "VISAGE_DETECTION": address["detection"],
        "VISAGE_IDENTIFICATION": address["identification"],
        "VISAGE_CERTS": str(certs),
        "VISAGE_PROTOS": str(REPO / "protos"),
        "VISAGE_TENANT": tenant,
        "VISAGE_PHOTO": str(photo),
    }
    return subprocess.run(
        ["node", str(script)], env=os.environ | settings, capture_output=True, text=True, timeout=180
    )


def test_node_detects_enrols_lists_and_searches_over_mtls(
    platform: Platform, node_example: Path, e2e_certs: Path, faces_dir: Path
) -> None:
    run = run_example(node_example, platform, e2e_certs, faces_dir / KATY[0], tenant="node-example")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert (answer["faces"], answer["landmarks"]) == (1, [5])
    assert answer["groups"] == ["node example"]  # the tenant's only group: the one just made
    assert answer["found"] == [{"id": answer["personId"], "name": "Node Example"}]
    assert len(answer["imageId"]) == 36


def test_a_client_without_a_certificate_of_the_ca_is_refused(
    platform: Platform, node_example: Path, e2e_certs: Path, faces_dir: Path, tmp_path: Path
) -> None:
    generate(tmp_path, services=[])  # another CA: its gateway certificate is no client of ours
    (tmp_path / "ca.pem").write_bytes((e2e_certs / "ca.pem").read_bytes())  # ... though it trusts our servers
    run = run_example(node_example, platform, tmp_path, faces_dir / KATY[0])
    assert run.returncode == 1 and run.stderr.startswith("Detect: UNAVAILABLE"), run.stderr
