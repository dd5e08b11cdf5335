"""Response side of the transcoding: a response message -> HTTP status, body and media type.

Rules 4-7 of protos/README.md: protobuf JSON with every non-optional field printed, `response_body`,
`http_success_status` / `http_status_if_set`, then the quirks Regula's JSON needs (Point as `[x, y]`,
whole numbers in free-form objects as ints, HttpBody sent raw).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.api import http_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from gateway.rules import status_if_set

POINT = "visage.common.v1.Point"
FREE_FORM = frozenset({"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"})
HTTP_BODY = "google.api.HttpBody"
JSON = "application/json"


@dataclass(frozen=True)
class Rendered:
    """What goes on the wire: `body` is JSON-ready data, raw bytes (HttpBody), or None (no body)."""

    status: int
    body: Any
    media_type: str | None = JSON


def render_response(rule: http_pb2.HttpRule, success_status: int, response: Message) -> Rendered:
    for field in response.DESCRIPTOR.fields:
        status = status_if_set(field)
        if status is not None and response.HasField(field.name):
            return _rendered_message(status, getattr(response, field.name))
    if success_status == 204:
        return Rendered(204, None, None)
    if rule.response_body:
        return _rendered_message(success_status, getattr(response, rule.response_body))
    return _rendered_message(success_status, response)


def _rendered_message(status: int, message: Message) -> Rendered:
    if message.DESCRIPTOR.full_name == HTTP_BODY:
        return Rendered(status, message.data, message.content_type or "application/octet-stream")  # type: ignore[attr-defined]
    return Rendered(status, render(message))


def render(message: Message) -> Any:
    """Protobuf JSON of `message` with the gateway quirks applied."""
    raw = json_format.MessageToDict(
        message, use_integers_for_enums=True, always_print_fields_with_no_presence=True
    )
    return apply_quirks(message.DESCRIPTOR, raw)


def apply_quirks(descriptor: Descriptor, value: Any) -> Any:
    """Rewrite the protobuf JSON `value` of a `descriptor` message into Regula's shapes."""
    if descriptor.full_name in FREE_FORM:
        return integral_floats_to_ints(value)
    if descriptor.full_name == POINT:
        return [value.get("x", 0.0), value.get("y", 0.0)]
    if not isinstance(value, dict):  # other well-known types print as strings or numbers
        return value
    # Rebuilt in declaration order: MessageToDict puts the always-printed fields after the set ones.
    result = {}
    for field in descriptor.fields:
        if field.json_name in value:
            result[field.json_name] = _field_quirks(field, value[field.json_name])
    # Keys no field claims (extensions) are kept as they are, after the fields.
    return {**result, **{k: v for k, v in value.items() if k not in result}}


def _field_quirks(field: FieldDescriptor, item: Any) -> Any:
    message = field.message_type
    if message is None:
        return item
    if message.GetOptions().map_entry:
        value_field = message.fields_by_name["value"]
        if value_field.message_type is None:
            return item
        return {k: apply_quirks(value_field.message_type, v) for k, v in item.items()}
    if field.is_repeated:
        return [apply_quirks(message, element) for element in item]
    return apply_quirks(message, item)


def integral_floats_to_ints(value: Any) -> Any:
    """Quirk 2: Struct numbers are doubles, so `12` comes back as `12.0`; give whole numbers back as ints."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [integral_floats_to_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: integral_floats_to_ints(v) for k, v in value.items()}
    return value
