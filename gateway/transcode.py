"""Request side of the transcoding: HTTP body, path and query -> the RPC's request message.

Rules 1-3 of protos/README.md. The body and the parameters are first checked against the route's schemas in
the OpenAPI document (gateway/validation.py). Unknown JSON keys and query parameters are ignored, as they
are in Regula's own clients' eyes harmless: rejecting them would break clients that send newer or older
fields (Regula does not document what it does with them). Everything else that is wrong gives a 400 naming
the field.
"""

from __future__ import annotations

import binascii
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
from gateway.validation import request_checks
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
_URL_SAFE = str.maketrans("-_", "+/")


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
    checks = request_checks(route)
    payload: dict[str, Any] = {}
    bound: set[str] = set()
    decoded: list[tuple[FieldPath, bytes]] = []
    if route.rule.body:
        data = _parse_json(body)
        if route.rule.body == "*":
            if not isinstance(data, dict):
                raise InvalidRequestError(f"request body must be a JSON object, not {_json_kind(data)}")
            checks.check_body(data)
            payload = data
            decoded = take_bytes_fields(descriptor, payload, "")
            bound.update(f.name for f in descriptor.fields)
        else:
            body_field = _bound_field(descriptor, route.rule.body)
            if body_field.message_type is not None and not isinstance(data, dict):
                raise InvalidRequestError(f"request body must be a JSON object, not {_json_kind(data)}")
            checks.check_body(data)
            wrapped = {body_field.json_name: data}
            decoded = take_bytes_fields(descriptor, wrapped, "")
            payload[body_field.json_name] = wrapped[body_field.json_name]
            bound.add(body_field.name)
    path: dict[str, Any] = {}
    for name, value in path_params.items():
        field = _bound_field(descriptor, name)
        payload[field.json_name] = path[name] = _from_text(field, value, f"path parameter {name}")
        bound.add(field.name)
    checks.check_parameters("path", path)
    parameters: dict[str, Any] = {}
    for name, values in _grouped(query).items():
        field = _field(descriptor, name)
        if field is None or field.name in bound or field.message_type is not None:
            continue  # unknown or not bindable from a query string: ignored, like unknown JSON keys
        converted = [_from_text(field, v, f"query parameter {name}") for v in values]
        payload[field.json_name] = parameters[field.json_name] = (
            converted if field.is_repeated else converted[-1]
        )
    checks.check_parameters("query", parameters)
    try:
        message = json_format.ParseDict(payload, route.request_class(), ignore_unknown_fields=True)
    except json_format.ParseError as error:
        raise InvalidRequestError(f"invalid request: {error}") from None
    for path, value in decoded:
        _assign(message, path, value)
    return message


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        raise InvalidRequestError("request body is empty: expected a JSON object")
    try:
        return json.loads(body)  # an unpaired surrogate parses, but protobuf refuses it: a 400 in ParseDict
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


# Where a bytes value goes in the request message: (field name, index in a repeated field or None) per level.
FieldPath = tuple[tuple[str, int | None], ...]


def take_bytes_fields(
    descriptor: Descriptor, data: dict[str, Any], where: str, path: FieldPath = ()
) -> list[tuple[FieldPath, bytes]]:
    """Decode every bytes field of the JSON `data` (strict base64, or InvalidRequestError naming it) and
    leave an empty string in its place: protobuf's JSON parser decodes base64 in Python, several times slower
    than `binascii`, and accepts some malformed input silently. The caller assigns the values afterwards."""
    fields = {f.json_name: f for f in descriptor.fields} | {f.name: f for f in descriptor.fields}
    taken: list[tuple[FieldPath, bytes]] = []
    for key, value in data.items():
        field = fields.get(key)
        if field is None or value is None:
            continue
        item_where = f"{where}.{key}" if where else key
        repeated = field.is_repeated and isinstance(value, list)
        for index, item in enumerate(value) if repeated else [(None, value)]:
            item_path = item_where if index is None else f"{item_where}[{index}]"
            step = (*path, (field.name, index))
            if field.type == FieldDescriptor.TYPE_BYTES:
                if not isinstance(item, str):
                    raise InvalidRequestError(
                        f"{item_path}: expected a base64 string, not {_json_kind(item)}"
                    )
                taken.append((step, decode_base64(item, item_path)))
                if index is None:
                    data[key] = ""
                else:
                    value[index] = ""
            elif _is_plain_message(field) and isinstance(item, dict):
                taken += take_bytes_fields(field.message_type, item, item_path, step)
    return taken


def _assign(message: Message, path: FieldPath, value: bytes) -> None:
    *parents, (name, index) = path
    for parent, parent_index in parents:
        message = getattr(message, parent)
        if parent_index is not None:
            message = message[parent_index]  # type: ignore[index]
    if index is None:
        setattr(message, name, value)
    else:
        getattr(message, name)[index] = value


def _is_plain_message(field: FieldDescriptor) -> bool:
    message = field.message_type
    return message is not None and message.full_name not in FREE_FORM and not message.GetOptions().map_entry


def decode_base64(text: str, where: str) -> bytes:
    """`text` decoded: canonical base64 in one C pass; otherwise what protobuf JSON accepts (line breaks,
    the URL-safe alphabet, missing padding) after `check_base64`."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        check_base64(text, where)
        compact = text.replace("\n", "").replace("\r", "").translate(_URL_SAFE).rstrip("=")
        return binascii.a2b_base64(compact + "=" * (-len(compact) % 4))


def check_base64(text: str, where: str) -> None:
    if text.startswith("data:") and "," in text[:100]:
        raise InvalidRequestError(f"{where}: send the base64 data alone, without a 'data:...;base64,' prefix")
    # Line breaks are allowed (MIME base64); with the alphabet and length right, protobuf decodes exactly.
    compact = text.replace("\n", "").replace("\r", "")
    if not _BASE64.fullmatch(compact) or len(compact.rstrip("=")) % 4 == 1:
        raise InvalidRequestError(f"{where}: not valid base64")
