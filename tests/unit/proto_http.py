"""The REST mapping of the Visage protos, read from the generated descriptors as the gateway reads it.

The response rules of protos/README.md (status, response body, the JSON quirks) live in the gateway
(`gateway.render`, `gateway.rules`); `rest_response` applies them here, so tests can check that protobuf JSON
plus those rules gives Regula's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from visage.detection.v1 import detection_pb2
from visage.identification.v1 import identification_pb2
from visage.liveness.v1 import liveness_pb2
from visage.matching.v1 import matching_pb2

from gateway.render import FREE_FORM, HTTP_BODY, POINT, integral_floats_to_ints, render, render_response
from gateway.rules import status_if_set, success_status

SERVICES = [
    detection_pb2.DESCRIPTOR.services_by_name["DetectionService"],
    matching_pb2.DESCRIPTOR.services_by_name["MatchingService"],
    liveness_pb2.DESCRIPTOR.services_by_name["LivenessService"],
    identification_pb2.DESCRIPTOR.services_by_name["IdentificationService"],
]
__all__ = [
    "FREE_FORM",
    "HTTP_BODY",
    "POINT",
    "integral_floats_to_ints",
    "render",
    "rest_response",
    "status_if_set",
    "success_status",
]


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


def rest_response(route: Route, response: Message) -> tuple[int, Any]:
    """(HTTP status, JSON body or raw bytes or None) the gateway sends for `response`."""
    rendered = render_response(route.rule, success_status(route.rpc), response)
    return rendered.status, rendered.body
