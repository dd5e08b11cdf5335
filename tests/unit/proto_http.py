"""The REST mapping of the Visage protos, read from the generated descriptors as the gateway reads it.

`rest_response` is a small reference implementation of the response rules of protos/README.md (status,
response body, the JSON quirks), so tests can check that protobuf JSON plus those rules gives Regula's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from visage.common.v1 import annotations_pb2 as visage_annotations
from visage.detection.v1 import detection_pb2
from visage.identification.v1 import identification_pb2
from visage.liveness.v1 import liveness_pb2
from visage.matching.v1 import matching_pb2

SERVICES = [
    detection_pb2.DESCRIPTOR.services_by_name["DetectionService"],
    matching_pb2.DESCRIPTOR.services_by_name["MatchingService"],
    liveness_pb2.DESCRIPTOR.services_by_name["LivenessService"],
    identification_pb2.DESCRIPTOR.services_by_name["IdentificationService"],
]
POINT = "visage.common.v1.Point"
FREE_FORM = {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"}
HTTP_BODY = "google.api.HttpBody"


@dataclass(frozen=True)
class Route:
    method: str  # "GET", "POST", ...
    path: str  # e.g. "/api/persons/{personId}"
    rpc: MethodDescriptor
    rule: http_pb2.HttpRule


def all_rpcs() -> list[MethodDescriptor]:
    return [rpc for service in SERVICES for rpc in service.methods]


def http_rule(rpc: MethodDescriptor) -> http_pb2.HttpRule | None:
    options = rpc.GetOptions()
    return options.Extensions[annotations_pb2.http] if options.HasExtension(annotations_pb2.http) else None


def routes() -> list[Route]:
    result = []
    for rpc in all_rpcs():
        rule = http_rule(rpc)
        if rule is not None:
            pattern = rule.WhichOneof("pattern")
            result.append(Route(pattern.upper(), getattr(rule, pattern), rpc, rule))
    return result


def success_status(rpc: MethodDescriptor) -> int:
    options = rpc.GetOptions()
    has_status = options.HasExtension(visage_annotations.http_success_status)
    return options.Extensions[visage_annotations.http_success_status] if has_status else 200


def status_if_set(field: FieldDescriptor) -> int | None:
    options = field.GetOptions()
    has_status = options.HasExtension(visage_annotations.http_status_if_set)
    return options.Extensions[visage_annotations.http_status_if_set] if has_status else None


def rest_response(route: Route, response: Message) -> tuple[int, Any]:
    """(HTTP status, JSON body or raw bytes or None) the gateway sends for `response`."""
    for field in response.DESCRIPTOR.fields:
        status = status_if_set(field)
        if status is not None and response.HasField(field.name):
            return status, render(getattr(response, field.name))
    status = success_status(route.rpc)
    if status == 204:
        return status, None
    if route.rule.response_body:
        inner = getattr(response, route.rule.response_body)
        if inner.DESCRIPTOR.full_name == HTTP_BODY:
            return status, inner.data
        return status, render(inner)
    return status, render(response)


def render(message: Message) -> Any:
    """Protobuf JSON of `message` with the gateway quirks applied."""
    raw = json_format.MessageToDict(
        message, use_integers_for_enums=True, always_print_fields_with_no_presence=True
    )
    return _apply_quirks(message.DESCRIPTOR, raw)


def _apply_quirks(descriptor: Descriptor, value: Any) -> Any:
    if descriptor.full_name in FREE_FORM:
        return integral_floats_to_ints(value)
    if descriptor.full_name == POINT:
        return [value.get("x", 0.0), value.get("y", 0.0)]
    fields = {f.json_name: f for f in descriptor.fields}
    for key, item in value.items():
        field = fields[key]
        if field.message_type is None:
            continue
        if field.is_repeated:
            value[key] = [_apply_quirks(field.message_type, element) for element in item]
        else:
            value[key] = _apply_quirks(field.message_type, item)
    return value


def integral_floats_to_ints(value: Any) -> Any:
    """Quirk 2: Struct numbers are doubles, so `12` comes back as `12.0`; give whole numbers back as ints."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [integral_floats_to_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: integral_floats_to_ints(v) for k, v in value.items()}
    return value
