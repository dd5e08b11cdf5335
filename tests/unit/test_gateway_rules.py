"""Routes read from descriptors in a pool of their own, as discovery builds them from reflection."""

from __future__ import annotations

import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2, descriptor_pool
from visage.common.v1 import annotations_pb2 as visage_annotations

from gateway.rules import compile_template, service_routes, sort_routes

pytestmark = pytest.mark.unit

STRING = descriptor_pb2.FieldDescriptorProto.TYPE_STRING


def _copy_with_dependencies(name: str, pool: descriptor_pool.DescriptorPool, done: set[str]) -> None:
    if name in done:
        return
    file = descriptor_pool.Default().FindFileByName(name)
    for dependency in file.dependencies:
        _copy_with_dependencies(dependency.name, pool, done)
    proto = descriptor_pb2.FileDescriptorProto()
    file.CopyToProto(proto)
    pool.Add(proto)
    done.add(name)


def things_service() -> descriptor_pool.DescriptorPool:
    """A service the generated code does not know, in a fresh pool (as reflection delivers it)."""
    pool, done = descriptor_pool.DescriptorPool(), set()
    for name in ("google/api/annotations.proto", "visage/common/v1/annotations.proto"):
        _copy_with_dependencies(name, pool, done)
    file = descriptor_pb2.FileDescriptorProto(name="things.proto", package="things.v1", syntax="proto3")
    file.dependency.extend(["google/api/annotations.proto", "visage/common/v1/annotations.proto"])
    thing = file.message_type.add(name="Thing")
    thing.field.add(name="thing_id", number=1, type=STRING, json_name="thingId")
    service = file.service.add(name="ThingService")

    def method(name: str, **http: str):  # type: ignore[no-untyped-def]
        rpc = service.method.add(name=name, input_type=".things.v1.Thing", output_type=".things.v1.Thing")
        for key, value in http.items():
            setattr(rpc.options.Extensions[annotations_pb2.http], key, value)
        return rpc

    method("Create", post="/api/things", body="*").options.Extensions[
        visage_annotations.http_success_status
    ] = 201
    get = method("Get", get="/api/things/{thingId}")
    get.options.Extensions[annotations_pb2.http].additional_bindings.add(get="/api/v2/things/{thing_id}")
    method("Special", get="/api/things/special")
    method("Broken", get="/api/broken/{nothing}")
    method("WrongBody", post="/api/wrong", body="nothing")
    method("Watch", get="/api/watch").server_streaming = True
    method("Internal")
    pool.Add(file)
    return pool


def test_routes_come_from_annotations_in_any_pool_and_unservable_rules_are_skipped() -> None:
    service = things_service().FindServiceByName("things.v1.ThingService")
    routes = service_routes(service, "things")
    assert [(r.method, r.template, r.success_status, r.rpc.name) for r in routes] == [
        ("POST", "/api/things", 201, "Create"),
        ("GET", "/api/things/{thingId}", 200, "Get"),
        ("GET", "/api/v2/things/{thing_id}", 200, "Get"),
        ("GET", "/api/things/special", 200, "Special"),
    ]
    assert routes[1].grpc_path == "/things.v1.ThingService/Get"
    assert routes[1].request_class.DESCRIPTOR.full_name == "things.v1.Thing"


def test_templates_match_whole_segments_only() -> None:
    pattern, names = compile_template("/api/persons/{personId}/images/{imageId}")
    assert names == ("personId", "imageId")
    assert pattern.fullmatch("/api/persons/p1/images/i2") is not None
    assert pattern.fullmatch("/api/persons/p1/images/i2/x") is None
    assert pattern.fullmatch("/api/persons//images/i2") is None
    deep, _ = compile_template("/files/{path=**}")
    assert deep.fullmatch("/files/a/b/c") is not None


def test_literal_segments_win_over_variables() -> None:
    service = things_service().FindServiceByName("things.v1.ThingService")
    routes = sort_routes(service_routes(service, "things"))
    first = next(r for r in routes if r.match("/api/things/special") is not None)
    assert first.rpc.name == "Special"
    assert next(r for r in routes if r.match("/api/things/t-9") is not None).match("/api/things/t-9") == {
        "thingId": "t-9"
    }
