"""Request side of the transcoding: HTTP body, path and query -> the RPC's request message.

Rules 1-3 of protos/README.md. Unknown JSON keys and query parameters are ignored, as they are in Regula's
own clients' eyes harmless: rejecting them would break clients that send newer or older fields (Regula does
not document what it does with them). Everything else that is wrong gives a 400 naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from gateway.errors import PayloadTooLargeError
from gateway.render import FREE_FORM
from gateway.rules import RestRoute
from libs.errors import InvalidRequestError, VisageError

# Standard or URL-safe alphabet, optional padding: what protobuf JSON accepts, minus what it silently
# drops (stray characters, a `data:` URL prefix, text after the padding).
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_INT_TYPES = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_SFIXED64,
}
_FLOAT_TYPES = {FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE}


async def read_body(chunks: AsyncIterator[bytes], content_length: str | None, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise _too_large(int(content_length), limit)
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise _too_large(None, limit)
    return bytes(body)


def _too_large(size: int | None, limit: int) -> PayloadTooLargeError:
    told = f" ({size} bytes)" if size is not None else ""
    return PayloadTooLargeError(f"request body too large{told}: the limit is {limit} bytes")


def build_request(
    route: RestRoute, path_params: Mapping[str, str], query: Sequence[tuple[str, str]], body: bytes
) -> Message:
    """The request message for `route`; InvalidRequestError (400) with the reason when it cannot be built."""
    descriptor = route.rpc.input_type
    payload: dict[str, Any] = {}
    bound: set[str] = set()
    if route.rule.body:
        data = _parse_json(body)
        if route.rule.body == "*":
            if not isinstance(data, dict):
                raise InvalidRequestError(f"request body must be a JSON object, not {_json_kind(data)}")
            payload = data
            check_bytes_fields(descriptor, payload, "")
            bound.update(f.name for f in descriptor.fields)
        else:
            body_field = _bound_field(descriptor, route.rule.body)
            if body_field.message_type is not None and not isinstance(data, dict):
                raise InvalidRequestError(f"request body must be a JSON object, not {_json_kind(data)}")
            payload[body_field.json_name] = data
            check_bytes_fields(descriptor, {body_field.json_name: data}, "")
            bound.add(body_field.name)
    for name, value in path_params.items():
        field = _bound_field(descriptor, name)
        payload[field.json_name] = _from_text(field, value, f"path parameter {name}")
        bound.add(field.name)
    for name, values in _grouped(query).items():
        field = _field(descriptor, name)
        if field is None or field.name in bound or field.message_type is not None:
            continue  # unknown or not bindable from a query string: ignored, like unknown JSON keys
        converted = [_from_text(field, v, f"query parameter {name}") for v in values]
        payload[field.json_name] = converted if field.is_repeated else converted[-1]
    try:
        return json_format.ParseDict(payload, route.request_class(), ignore_unknown_fields=True)
    except json_format.ParseError as error:
        raise InvalidRequestError(f"invalid request: {error}") from None


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        raise InvalidRequestError("request body is empty: expected a JSON object")
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise InvalidRequestError("request body is not UTF-8 text: expected a JSON object") from None
    except json.JSONDecodeError as error:
        raise InvalidRequestError(f"request body is not valid JSON: {error}") from None


def _bound_field(descriptor: Descriptor, name: str) -> FieldDescriptor:
    """The field a route binds its body or a path variable to; `rules.service_routes` checked it exists."""
    field = _field(descriptor, name)
    if field is None:
        raise VisageError(f"route binds {name!r}, which is no field of {descriptor.full_name}")
    return field


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _field(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    """A top-level field by JSON name (as Regula names things) or by proto name."""
    for field in descriptor.fields:
        if name in (field.json_name, field.name):
            return field
    return None


def _grouped(query: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in query:
        grouped.setdefault(key, []).append(value)
    return grouped


def _from_text(field: FieldDescriptor, text: str, where: str) -> Any:
    """A query or path string as the JSON value of `field` (ParseDict rejects "true" for a bool)."""
    try:
        if field.type == FieldDescriptor.TYPE_BOOL:
            return {"true": True, "1": True, "false": False, "0": False}[text.strip().lower()]
        if field.type in _INT_TYPES:
            return int(text)
        if field.type in _FLOAT_TYPES:
            return float(text)
        if field.type == FieldDescriptor.TYPE_ENUM:
            return int(text) if text.lstrip("-").isdigit() else text
    except (KeyError, ValueError):
        kind = {FieldDescriptor.TYPE_BOOL: "true or false"}.get(field.type, "a number")
        raise InvalidRequestError(f"{where}: expected {kind}, got {text!r}") from None
    if field.type == FieldDescriptor.TYPE_BYTES:
        check_base64(text, where)
    return text


def check_bytes_fields(descriptor: Descriptor, data: Mapping[str, Any], where: str) -> None:
    """Reject bytes fields that are not strict base64 (protobuf would decode some of them into garbage)."""
    fields = {f.json_name: f for f in descriptor.fields} | {f.name: f for f in descriptor.fields}
    for key, value in data.items():
        field = fields.get(key)
        if field is None or value is None:
            continue
        path = f"{where}.{key}" if where else key
        items = list(enumerate(value)) if field.is_repeated and isinstance(value, list) else [(None, value)]
        for index, item in items:
            item_path = path if index is None else f"{path}[{index}]"
            if field.type == FieldDescriptor.TYPE_BYTES:
                if not isinstance(item, str):
                    raise InvalidRequestError(
                        f"{item_path}: expected a base64 string, not {_json_kind(item)}"
                    )
                check_base64(item, item_path)
            elif _is_plain_message(field) and isinstance(item, dict):
                check_bytes_fields(field.message_type, item, item_path)


def _is_plain_message(field: FieldDescriptor) -> bool:
    message = field.message_type
    return message is not None and message.full_name not in FREE_FORM and not message.GetOptions().map_entry


def check_base64(text: str, where: str) -> None:
    if text.startswith("data:") and "," in text[:100]:
        raise InvalidRequestError(f"{where}: send the base64 data alone, without a 'data:...;base64,' prefix")
    # Line breaks are allowed (MIME base64); with the alphabet and length right, protobuf decodes exactly.
    compact = text.replace("\n", "").replace("\r", "")
    if not _BASE64.fullmatch(compact) or len(compact.rstrip("=")) % 4 == 1:
        raise InvalidRequestError(f"{where}: not valid base64")
