"""The gateway's OpenAPI 3 document, generated from the discovered routes plus its own health routes.

Request schemas carry the fields' `visage.common.v1.rules` (gateway/schemas.py), and the gateway checks every
request against the same schemas (gateway/validation.py): what the document calls valid is what is accepted.
Each operation lists the error statuses it can answer, all in Regula's OperationLog; create operations link
to the operations on what they created (OpenAPI links), which is how stateful clients and testers chain them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from visage.common.v1.annotations_pb2 import ACCESS_SIGNED

from gateway.errors import REQUEST_ID_HEADER
from gateway.render import HTTP_BODY
from gateway.rules import RestRoute, error_statuses, field_rules, required_access, status_if_set
from gateway.schemas import Direction, Schema, SchemaBuilder

OPENAPI_VERSION = "3.0.3"
# Why each error status is answered; every one carries an OperationLog (libs/errors.py has the table).
ERROR_STATUSES: dict[int, str] = {
    400: "Invalid request: wrong JSON, a value outside the schema, or data the service cannot use",
    401: "No API key, or one that is malformed, unknown or revoked",
    403: "The API key lacks the scope the operation needs (or a signature does not match)",
    404: "No such resource (or no such route)",
    409: "Conflict: already done",
    410: "Gone: the time to do this has passed",
    413: "Request body or image too large",
    429: "The API key is over its rate or concurrency limits; see Retry-After",
    500: "Internal error",
    503: "A backend the operation needs is not available, or overloaded",
    504: "A backend did not answer within the deadline",
}
_COMMON_ERRORS = (400, 404, 500, 503, 504)
_KEY_ERRORS = (401, 403, 429)
_REQUEST_ID_PARAMETER = {
    "name": REQUEST_ID_HEADER,
    "in": "header",
    "required": False,
    "description": "Request label: logged, passed to the services, echoed in the response.",
    "schema": {"type": "string"},
}
OPERATION_LOG: Schema = {
    "type": "object",
    "title": "OperationLog",
    "properties": {
        "statusCode": {"type": "integer", "description": "HTTP status of the answer."},
        "type": {"type": "string", "description": "Error type, e.g. InvalidRequestError."},
        "msg": {"type": "string", "description": "What went wrong, for humans."},
        "metadata": {
            "type": "object",
            "additionalProperties": True,
            "description": "resultCode (FaceSDKResultCode), requestId, and per-error details.",
        },
    },
    "required": ["statusCode", "type", "msg", "metadata"],
}
DEVICE_INFO: Schema = {
    "type": "object",
    "title": "DeviceInfo",
    "properties": {
        "app": {"type": "string"},
        "licenseId": {"type": "string", "nullable": True},
        "licenseSerial": {"type": "string", "nullable": True},
        "licenseValidUntil": {"type": "string", "format": "date-time", "nullable": True},
        "version": {"type": "string", "nullable": True},
    },
    "required": ["app", "licenseId", "licenseSerial", "licenseValidUntil", "version"],
}


def openapi_document(routes: Sequence[RestRoute], title: str, version: str) -> dict[str, Any]:
    requests = [_request_root(r) for r in routes]
    builder = SchemaBuilder([d for d in requests if d is not None], [r.rpc.output_type for r in routes])
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation = _operation(route, builder)
        found = links(route, routes)
        if found:
            operation["responses"][str(route.success_status)]["links"] = found
        paths.setdefault(route.template, {})[route.method.lower()] = operation
    paths.update(_health_paths())
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": "Regula Face SDK web API served by Visage, generated from the services' protos.",
        },
        "paths": paths,
        "components": {
            "schemas": {**builder.schemas, "OperationLog": OPERATION_LOG, "DeviceInfo": DEVICE_INFO},
            "responses": {
                f"Error{status}": _json_response(reason, {"$ref": "#/components/schemas/OperationLog"})
                for status, reason in ERROR_STATUSES.items()
            },
        },
    }


def _error(status: int) -> dict[str, str]:
    return {"$ref": f"#/components/responses/Error{status}"}


def _operation_id(route: RestRoute) -> str:
    return f"{route.rpc.containing_service.name}.{route.rpc.name}"


def links(route: RestRoute, routes: Sequence[RestRoute]) -> dict[str, Any]:
    """OpenAPI links from what a POST creates to the routes on it: an answer with an `id` feeds the first
    variable after the POST's own path (POST /api/groups -> /api/groups/{groupId}...), other answer fields
    feed the same-named query parameters of the routes beside it (POST /api/v2/liveness/start ->
    GET /api/v2/liveness?transactionId=)."""
    if route.method != "POST":
        return {}
    created = _answer_fields(route)
    found = {}
    for other in routes:
        linked = _linked_parameters(route, other, created) if other is not route else None
        if linked:
            found[other.rpc.name] = {"operationId": _operation_id(other), "parameters": linked}
    return found


def _answer_fields(route: RestRoute) -> set[str]:
    message = route.rpc.output_type
    if route.rule.response_body:
        message = message.fields_by_name[route.rule.response_body].message_type
    return set() if message is None else {f.json_name for f in message.fields}


def _linked_parameters(route: RestRoute, other: RestRoute, created: set[str]) -> dict[str, str] | None:
    if "id" in created:
        own = len(route.variables)
        if not other.template.startswith(route.template + "/{") or len(other.variables) != own + 1:
            return None  # not on what was created, or also needs a variable the answer does not give
        linked = {f"path.{v}": f"$request.path.{v}" for v in route.variables}
        return linked | {f"path.{other.variables[own]}": "$response.body#/id"}
    beside = route.template.rsplit("/", 1)[0]
    if other.rule.body or not (other.template == beside or other.template.startswith(beside + "/")):
        return None
    scalars = {f.json_name for f in other.rpc.input_type.fields if f.message_type is None}
    query = scalars - set(other.variables)
    return {f"query.{name}": f"$response.body#/{name}" for name in sorted(query & created)} or None


def _request_root(route: RestRoute) -> Descriptor | None:
    if route.rule.body in ("", "*"):
        return route.rpc.input_type if route.rule.body else None
    return route.rpc.input_type.fields_by_name[route.rule.body].message_type


def _operation(route: RestRoute, builder: SchemaBuilder) -> dict[str, Any]:
    service = route.rpc.containing_service
    operation: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": f"{service.full_name}/{route.rpc.name}",
        "tags": [service.name],
        "parameters": [_REQUEST_ID_PARAMETER, *parameters(route, builder)],
        "responses": _responses(route, builder),
    }
    body = body_schema(route, builder)
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def body_schema(route: RestRoute, builder: SchemaBuilder) -> Schema | None:
    """The schema of the route's JSON body; None for a route without one."""
    if route.rule.body == "*":
        return builder.message(route.rpc.input_type, "request")
    if route.rule.body:
        return builder.field(route.rpc.input_type.fields_by_name[route.rule.body], "request")
    return None


def parameters(route: RestRoute, builder: SchemaBuilder) -> list[dict[str, Any]]:
    """The route's path and query parameters, as OpenAPI Parameter objects."""
    fields = route.rpc.input_type.fields
    by_name = {name: f for f in fields for name in (f.json_name, f.name)}
    found = [
        {"name": v, "in": "path", "required": True, "schema": builder.field(by_name[v], "request")}
        for v in route.variables
        if v in by_name
    ]
    if route.rule.body == "*":
        return found
    bound = {by_name[v].name for v in route.variables if v in by_name} | {route.rule.body}
    for field in fields:
        if field.name not in bound and field.message_type is None:
            schema = builder.field(field, "request")
            rules = field_rules(field)
            required = rules is not None and rules.required
            found.append({"name": field.json_name, "in": "query", "required": required, "schema": schema})
    return found


def _responses(route: RestRoute, builder: SchemaBuilder) -> dict[str, Any]:
    output = route.rpc.output_type
    responses: dict[str, Any] = {}
    if route.success_status == 204:
        responses["204"] = {"description": "Done; no content."}
    else:
        target: Descriptor | FieldDescriptor = output
        if route.rule.response_body:
            target = output.fields_by_name[route.rule.response_body]
        responses[str(route.success_status)] = _message_response(target, builder)
    for field in output.fields:
        status = status_if_set(field)
        if status is not None:
            responses[str(status)] = _message_response(field, builder)
    statuses = {*_COMMON_ERRORS, *error_statuses(route.rpc)}
    if route.rule.body:
        statuses.add(413)
    if required_access(route.rpc) == ACCESS_SIGNED:
        statuses.add(403)  # a signature that does not match
    else:
        statuses.update(_KEY_ERRORS)
    for status in sorted(statuses):
        responses.setdefault(str(status), _error(status))
    return responses


def _message_response(target: Descriptor | FieldDescriptor, builder: SchemaBuilder) -> dict[str, Any]:
    message = target.message_type if isinstance(target, FieldDescriptor) else target
    if message is not None and message.full_name == HTTP_BODY:
        return {
            "description": "Raw bytes",
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    direction: Direction = "response"
    schema = (
        builder.field(target, direction)
        if isinstance(target, FieldDescriptor)
        else builder.message(target, direction)
    )
    return _json_response(message.name if message is not None else "Result", schema)


def _json_response(description: str, schema: Schema) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _health_paths() -> dict[str, Any]:
    def get(summary: str, responses: dict[str, Any]) -> dict[str, Any]:
        operation = {"summary": summary, "tags": ["healthcheck"], "parameters": [_REQUEST_ID_PARAMETER]}
        return {"get": {**operation, "operationId": summary.split(":")[0], "responses": responses}}

    free_form = _json_response("Backend states", {"type": "object", "additionalProperties": True})
    return {
        "/api/healthz": get(
            "healthz: the gateway answers",
            {"200": _json_response("Device info", {"$ref": "#/components/schemas/DeviceInfo"})},
        ),
        "/api/readyz": get(
            "readyz: every backend is discovered and SERVING", {"200": free_form, "503": _error(503)}
        ),
        "/api/readiness": get("readiness: legacy readyz (spec <= 6.4)", {"200": free_form, "503": free_form}),
    }
