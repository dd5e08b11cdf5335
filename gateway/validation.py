"""Every request checked against the schemas the OpenAPI document publishes for its route, before transcoding.

The schemas come from the same code as the document (`gateway.openapi.body_schema` / `parameters`), which
writes each request field's `visage.common.v1.rules` into them: a rule declared once in the protos is both
documented and enforced, so the document and the gateway cannot disagree. A value that breaks a rule, a JSON
value of the wrong type (a number for a string, null for anything but a free-form value) and a missing
required field give a 400 naming the field. The services keep their own checks for their gRPC callers.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft4Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match
from rfc3339_validator import validate_rfc3339  # type: ignore[import-untyped]

from gateway.openapi import body_schema, parameters
from gateway.rules import RestRoute
from gateway.schemas import Schema, SchemaBuilder
from libs.errors import FaceSDKResultCode, InvalidRequestError

_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("uuid")
def _is_uuid(value: object) -> bool:
    """The canonical 8-4-4-4-12 hex form (any case), as the services print ids."""
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36 and all(value[i] == "-" for i in (8, 13, 18, 23))


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or validate_rfc3339(value)


@_FORMATS.checks("int32")
def _is_int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


def _ecma_pattern(_validator: Any, pattern: str, instance: Any, _schema: Schema) -> Iterator[ValidationError]:
    # OpenAPI patterns are ECMA-262: `$` ends the string, where Python's also matches before a final "\n".
    if isinstance(instance, str) and not re.search(_python_regex(pattern), instance):
        yield ValidationError(f"must match {pattern}")


@functools.cache
def _python_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


def _any_of(validator: Any, any_of: list[Schema], instance: Any, schema: Schema) -> Iterator[ValidationError]:
    # jsonschema's own anyOf puts repr(instance) in its message, even where the failure is expected: the
    # `not: {anyOf: ...}` of `exactly_one_of` fails on every valid request, and the instance holds the
    # image's base64 (a repr of 2 × 68 KB cost 0.3 ms per POST /api/match). `_reason` never reads it.
    errors = []
    for index, subschema in enumerate(any_of):
        found = list(validator.descend(instance, subschema, schema_path=index))
        if not found:
            return
        errors.extend(found)
    yield ValidationError("is not valid under any of the given schemas", context=errors)


def _not(validator: Any, not_schema: Schema, instance: Any, schema: Schema) -> Iterator[ValidationError]:
    # The same without the repr (see `_any_of`).
    if validator.evolve(schema=not_schema).is_valid(instance):
        yield ValidationError(f"should not be valid under {not_schema!r}")


_Validator = validators.extend(Draft4Validator, {"pattern": _ecma_pattern, "anyOf": _any_of, "not": _not})


@dataclass(frozen=True)
class _Parameter:
    required: bool
    validator: Any


@dataclass(frozen=True)
class RequestChecks:
    """The validators of one route's JSON body and of each of its path and query parameters."""

    body: Any | None
    parameters: Mapping[tuple[str, str], _Parameter]  # by (in, name)

    def check_body(self, data: Any) -> None:
        if self.body is not None:
            _raise_first(self.body, data, "")

    def check_parameters(self, place: str, values: Mapping[str, Any]) -> None:
        """`values`: the parameters of `place` ("path" or "query") the request has, converted from text."""
        for (where, name), parameter in self.parameters.items():
            if where != place:
                continue
            if name not in values:
                if parameter.required:
                    raise InvalidRequestError(f"{place} parameter {name} is required")
                continue
            _raise_first(parameter.validator, values[name], f"{place} parameter {name}")


@functools.cache  # one set per route (routes compare by identity)
def request_checks(route: RestRoute) -> RequestChecks:
    builder = SchemaBuilder([route.rpc.input_type], [])
    body = body_schema(route, builder)
    found = {(p["in"], p["name"]): (p["required"], p["schema"]) for p in parameters(route, builder)}
    components = {"schemas": {name: _json_schema(s) for name, s in builder.schemas.items()}}

    def validator(schema: Schema) -> Any:
        inlined = _inlined(_json_schema(schema), components["schemas"], ())
        return _Validator({**inlined, "components": components}, format_checker=_FORMATS)

    return RequestChecks(
        None if body is None else validator(body),
        {key: _Parameter(required, validator(schema)) for key, (required, schema) in found.items()},
    )


def _json_schema(schema: Any) -> Any:
    """The JSON Schema reading of an OpenAPI 3.0 schema: `nullable` becomes a "null" type."""
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and "type" in schema:
        converted["type"] = [schema["type"], "null"]
    return converted


def _inlined(schema: Any, components: dict[str, Any], inside: tuple[str, ...]) -> Any:
    """`schema` with its component `$ref`s replaced by the components themselves (resolving a reference costs
    more than the whole check of a valid request); a message inside itself keeps its `$ref`."""
    if isinstance(schema, list):
        return [_inlined(item, components, inside) for item in schema]
    if not isinstance(schema, dict):
        return schema
    name = schema.get("$ref", "").removeprefix("#/components/schemas/")
    if name:
        return schema if name in inside else _inlined(components[name], components, (*inside, name))
    return {key: _inlined(value, components, inside) for key, value in schema.items()}


def _raise_first(validator: Any, value: Any, where: str) -> None:
    if validator.is_valid(value):  # the common case, without collecting errors
        return
    error = best_match(validator.iter_errors(value))
    if error is None:
        return
    refused = InvalidRequestError(f"{_location(where, error)}: {_reason(error)}")
    code = _result_code(error)
    if code is not None:
        refused.result_code = FaceSDKResultCode(code)
    raise refused


def _result_code(error: ValidationError) -> int | None:
    """The `x-result-code` of the field that broke its rules (`visage.common.v1.FieldRules.result_code`)."""
    if error.validator == "type":
        return None  # a wrong JSON type is a malformed request, whatever the field
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        schema = schema.get("properties", {}).get(missing[0], {}) if missing else {}
    return schema.get("x-result-code")


def _location(where: str, error: ValidationError) -> str:
    path = where
    for step in error.absolute_path:
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else str(step))
    return path or "request body"


_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def _reason(error: ValidationError) -> str:
    """A short reason; jsonschema's own messages quote the whole value, which may be megabytes of base64."""
    expected = error.validator_value
    match error.validator:
        case "type":
            wanted = expected if isinstance(expected, str) else " or ".join(expected)
            if isinstance(error.schema, dict) and error.schema.get("format") == "byte":
                wanted = "a base64 string"
            return f"expected {wanted}, not {_KINDS.get(type(error.instance), 'a number')}"
        case "required":
            return error.message.split(" is a required property")[0] + " is required"
        case "format":
            return f"must be a {expected}"
        case "minimum" | "maximum":
            return f"must be {'>=' if error.validator == 'minimum' else '<='} {expected}"
        case "minLength" | "minItems":
            return (
                f"must have at least {expected} {'characters' if error.validator == 'minLength' else 'items'}"
            )
        case "maxLength" | "maxItems":
            return (
                f"must have at most {expected} {'characters' if error.validator == 'maxLength' else 'items'}"
            )
        case "anyOf" | "not":  # the alternatives of `visage.common.v1.exactly_one_of`
            options = expected.get("anyOf", []) if isinstance(expected, dict) else expected
            names = dict.fromkeys(name for option in options for name in option.get("required", []))
            return f"give exactly one of {', '.join(names)}"
        case "enum":
            shown = repr(error.instance)[:64]
            return f"{shown} is not one of {', '.join(map(str, expected))}"
    return error.message[:200]
