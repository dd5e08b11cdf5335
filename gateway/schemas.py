"""OpenAPI 3.0 schemas of protobuf messages as they look on the gateway's wire (Regula's JSON).

Protobuf JSON names and types, plus the gateway quirks: a Point in a response is `[x, y]`, Struct is a
free-form object. A message used in both requests and responses gets two components, because responses
print every field without presence (so those are `required` there) and requests need send none of them
but those their `visage.common.v1.rules` require. Those rules (formats, ranges, lengths, patterns, allowed
values) are written into request schemas only: they say what the gateway accepts (gateway/validation.py
checks every request against these very schemas).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from visage.common.v1.annotations_pb2 import FieldRules

from gateway.render import POINT
from gateway.rules import exactly_one_of, field_rules

Direction = Literal["request", "response"]
Schema = dict[str, Any]

_SCALARS: dict[int, Schema] = {
    FieldDescriptor.TYPE_DOUBLE: {"type": "number", "format": "double"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number", "format": "float"},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "format": "int64", "minimum": 0},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "format": "int64", "minimum": 0},
    # Protobuf JSON writes 64-bit integers as strings (JavaScript numbers lose precision past 2^53).
    FieldDescriptor.TYPE_INT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_SINT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_SFIXED64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_UINT64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_FIXED64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "format": "byte"},
}
_WELL_KNOWN: dict[str, Schema] = {
    "google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    "google.protobuf.Value": {"description": "Any JSON value."},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "example": "1.5s"},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.FieldMask": {"type": "string"},
}
# Largest float32: protobuf refuses a larger JSON number for a `float` field.
FLOAT32_MAX = 3.4028234663852886e38
_WRAPPERS = {"Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"}
_POINT_ARRAY: Schema = {
    "type": "array",
    "items": {"type": "number", "format": "float"},
    "minItems": 2,
    "maxItems": 2,
    "description": "A point [x, y] in px, origin at the image's top-left corner.",
}


class SchemaBuilder:
    """Collects one component per (message, direction) and hands out `$ref`s to them."""

    def __init__(self, requests: Iterable[Descriptor], responses: Iterable[Descriptor]) -> None:
        self.schemas: dict[str, Schema] = {}
        in_requests, in_responses = _reachable(requests), _reachable(responses)
        self._shared = in_requests & in_responses

    def message(self, descriptor: Descriptor, direction: Direction) -> Schema:
        """A schema for a value of this message type: inline for well-known types, else a `$ref`."""
        special = self._special(descriptor, direction)
        if special is not None:
            return dict(special)
        name = descriptor.full_name
        if direction == "request" and name in self._shared:
            name += ".Input"
        if name not in self.schemas:
            self.schemas[name] = {}  # reserved first: messages may contain themselves
            self.schemas[name] = self._object(descriptor, direction)
        return {"$ref": f"#/components/schemas/{name}"}

    def field(self, field: FieldDescriptor, direction: Direction) -> Schema:
        message = field.message_type
        if message is not None and message.GetOptions().map_entry:
            value = message.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self._single(value, direction)}
        rules = field_rules(field) if direction == "request" else None
        schema = _constrained(self._single(field, direction), rules)
        if field.is_repeated:
            schema = {"type": "array", "items": schema, **_item_bounds(rules)}
        if rules is not None and rules.result_code and "$ref" not in schema:
            schema["x-result-code"] = rules.result_code  # what the 400 for breaking the rules carries
        if field.GetOptions().deprecated:
            schema = (
                {**schema, "deprecated": True}
                if "$ref" not in schema
                else {"allOf": [schema], "deprecated": True}
            )
        return schema

    def _single(self, field: FieldDescriptor, direction: Direction) -> Schema:
        if field.message_type is not None:
            return self.message(field.message_type, direction)
        if field.enum_type is not None:
            values = field.enum_type.values
            return {
                "type": "integer",
                "format": "int32",
                "enum": [v.number for v in values],
                "description": ", ".join(f"{v.number} {v.name}" for v in values),
            }
        if field.type == FieldDescriptor.TYPE_FLOAT and direction == "request":
            return {**_SCALARS[field.type], "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX}
        return dict(_SCALARS[field.type])

    def _special(self, descriptor: Descriptor, direction: Direction) -> Schema | None:
        name = descriptor.full_name
        if name == POINT and direction == "response":
            return _POINT_ARRAY
        if name in _WELL_KNOWN:
            return _WELL_KNOWN[name]
        if (
            name.startswith("google.protobuf.")
            and name.removeprefix("google.protobuf.").removesuffix("Value") in _WRAPPERS
        ):
            return {**self._single(descriptor.fields_by_name["value"], direction), "nullable": True}
        return None

    def _object(self, descriptor: Descriptor, direction: Direction) -> Schema:
        schema: Schema = {
            "type": "object",
            "title": descriptor.name,
            "properties": {f.json_name: self.field(f, direction) for f in descriptor.fields},
        }
        # Responses print every field without presence (`always_print_fields_with_no_presence`); requests
        # must carry the fields their rules require.
        if direction == "response":
            required = [f.json_name for f in descriptor.fields if not f.has_presence]
        else:
            required = [f.json_name for f in descriptor.fields if _rules_require(f)]
        if required:
            schema["required"] = required
        alternatives = exactly_one_of(descriptor) if direction == "request" else ()
        if alternatives:
            names = [descriptor.fields_by_name[name].json_name for name in alternatives]
            # At least one (anyOf) and no two (not): `oneOf` says the same, but trips schemathesis' generator.
            schema["anyOf"] = [{"required": [name]} for name in names]
            pairs = [[a, b] for i, a in enumerate(names) for b in names[i + 1 :]]
            schema["not"] = {"anyOf": [{"required": pair} for pair in pairs]}
        return schema


def _rules_require(field: FieldDescriptor) -> bool:
    rules = field_rules(field)
    return rules is not None and rules.required


def _constrained(schema: Schema, rules: FieldRules | None) -> Schema:
    """`schema` (of one value: a repeated field's item) with the value rules of `rules`."""
    if rules is None or "$ref" in schema:
        return schema
    constraints: Schema = {}
    if rules.format:
        constraints["format"] = rules.format
    if rules.pattern:
        constraints["pattern"] = rules.pattern
    for name, keyword in (
        ("min_length", "minLength"),
        ("max_length", "maxLength"),
        ("minimum", "minimum"),
        ("maximum", "maximum"),
    ):
        if rules.HasField(name):
            value = getattr(rules, name)
            constraints[keyword] = int(value) if float(value).is_integer() else value
    if rules.allowed:
        constraints["enum"] = list(rules.allowed)
    return {**schema, **constraints}


def _item_bounds(rules: FieldRules | None) -> Schema:
    if rules is None:
        return {}
    bounds = {"minItems": rules.min_items} if rules.HasField("min_items") else {}
    return bounds | ({"maxItems": rules.max_items} if rules.HasField("max_items") else {})


def _reachable(roots: Iterable[Descriptor]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        descriptor = stack.pop()
        if descriptor.full_name in seen:
            continue
        seen.add(descriptor.full_name)
        stack.extend(f.message_type for f in descriptor.fields if f.message_type is not None)
    return seen
