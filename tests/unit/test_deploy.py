"""Static checks of deploy/: no Docker engine or cluster runs here, so the manifests are read, not applied.

They catch what breaks a rollout: a command naming a module that does not exist, env vars the settings do not
understand, ports that disagree between a Deployment, its Service and the gateway's backends, a probe for a
service the probe does not know, and a pod that could run as root.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.settings import GatewaySettings
from services.common.lifecycle import ServiceSpec

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICES: dict[str, ServiceSpec[Any]] = {
    name: importlib.import_module(f"services.{name}.service").SERVICE
    for name in ("detection", "matching", "liveness", "identification")
}


def _documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        documents += [doc for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc]
    return documents


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in _documents() if doc["kind"] == kind}


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _env(container: dict[str, Any]) -> dict[str, str]:
    # Variables from a Secret (`valueFrom`) have no literal value to check.
    return {item["name"]: item["value"] for item in container.get("env", []) if "value" in item}


def _module_of(command: list[str]) -> str:
    assert command[:2] == ["python", "-m"], command
    return command[2]


def test_every_kustomization_resource_exists_and_parses() -> None:
    kinds = {doc["kind"] for doc in _documents()}
    assert {"Deployment", "Service", "NetworkPolicy", "PersistentVolumeClaim", "Job"} <= kinds


@pytest.mark.parametrize("name", ["detection", "matching", "liveness", "identification", "gateway"])
def test_container_command_and_probes_name_modules_that_exist(name: str) -> None:
    container = _container(_by_kind("Deployment")[name])
    assert importlib.util.find_spec(_module_of(container["command"])) is not None
    for probe in ("readinessProbe", "livenessProbe"):
        assert probe in container, f"{name} has no {probe}"
        if "exec" in container[probe]:
            command = container[probe]["exec"]["command"]
            assert command[2:] == [f"services.{name}", "probe"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_env_builds_its_settings_and_ports_agree(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    container = _container(_by_kind("Deployment")[name])
    for key, value in _env(container).items():
        monkeypatch.setenv(key, value)
    settings = SERVICES[name].settings()
    assert settings.server.host == "0.0.0.0"  # inside a pod the Service must reach it
    assert str(settings.tls.cert).startswith("/etc/visage/tls/")
    if any(mount["mountPath"] == "/models" for mount in container.get("volumeMounts", [])):
        assert settings.models.dir == Path("/models") and not settings.models.allow_download
    (port,) = container["ports"]
    assert port["containerPort"] == settings.server.port
    (service_port,) = _by_kind("Service")[name]["spec"]["ports"]
    assert service_port["port"] == settings.server.port


def test_gateway_backends_point_at_the_services(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in _env(_container(_by_kind("Deployment")["gateway"])).items():
        monkeypatch.setenv(key, value)
    settings = GatewaySettings()
    services = _by_kind("Service")
    assert set(settings.backends) == set(SERVICES)
    for name, address in settings.backends.items():
        host, port = address.rsplit(":", 1)
        assert host == f"{name}.visage.svc"  # a name the development certificates carry
        assert int(port) == services[name]["spec"]["ports"][0]["port"]


@pytest.mark.parametrize("name", ["detection", "matching", "liveness", "identification", "gateway"])
def test_pods_run_unprivileged(name: str) -> None:
    pod = _by_kind("Deployment")[name]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    security = _container(_by_kind("Deployment")[name])["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]


def test_dockerfile_copies_what_exists_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", dockerfile, flags=re.MULTILINE):
        *sources, _destination = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert re.search(r"^USER \d+$", dockerfile, flags=re.MULTILINE)
    cmd = re.search(r'^CMD \["python", "-m", "([\w.]+)"\]$', dockerfile, flags=re.MULTILINE)
    assert cmd and importlib.util.find_spec(cmd.group(1)) is not None
