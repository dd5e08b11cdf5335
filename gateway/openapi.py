"""The gateway's OpenAPI 3 document, generated from the discovered routes plus its own health routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from gateway.errors import REQUEST_ID_HEADER
from gateway.render import HTTP_BODY
from gateway.rules import RestRoute, status_if_set
from gateway.schemas import Direction, Schema, SchemaBuilder

OPENAPI_VERSION = "3.0.3"
_ERROR = {"$ref": "#/components/responses/Error"}
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
        paths.setdefault(route.template, {})[route.method.lower()] = _operation(route, builder)
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
            "responses": {"Error": _json_response("Error", {"$ref": "#/components/schemas/OperationLog"})},
        },
    }


def _request_root(route: RestRoute) -> Descriptor | None:
    if route.rule.body in ("", "*"):
        return route.rpc.input_type if route.rule.body else None
    return route.rpc.input_type.fields_by_name[route.rule.body].message_type


def _operation(route: RestRoute, builder: SchemaBuilder) -> dict[str, Any]:
    service = route.rpc.containing_service
    operation: dict[str, Any] = {
        "operationId": f"{service.name}.{route.rpc.name}",
        "summary": f"{service.full_name}/{route.rpc.name}",
        "tags": [service.name],
        "parameters": [_REQUEST_ID_PARAMETER, *_parameters(route, builder)],
        "responses": _responses(route, builder),
    }
    if route.rule.body == "*":
        body = builder.message(route.rpc.input_type, "request")
    elif route.rule.body:
        body = builder.field(route.rpc.input_type.fields_by_name[route.rule.body], "request")
    if route.rule.body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def _parameters(route: RestRoute, builder: SchemaBuilder) -> list[dict[str, Any]]:
    fields = route.rpc.input_type.fields
    by_name = {name: f for f in fields for name in (f.json_name, f.name)}
    parameters = [
        {"name": v, "in": "path", "required": True, "schema": builder.field(by_name[v], "request")}
        for v in route.variables
        if v in by_name
    ]
    if route.rule.body == "*":
        return parameters
    bound = {by_name[v].name for v in route.variables if v in by_name} | {route.rule.body}
    for field in fields:
        if field.name not in bound and field.message_type is None:
            schema = builder.field(field, "request")
            parameters.append({"name": field.json_name, "in": "query", "required": False, "schema": schema})
    return parameters


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
    for status in ("400", "404", "413", "500", "503", "504"):
        if status == "413" and not route.rule.body:
            continue
        responses.setdefault(status, _ERROR)
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
            "readyz: every backend is discovered and SERVING", {"200": free_form, "503": _ERROR}
        ),
        "/api/readiness": get("readiness: legacy readyz (spec <= 6.4)", {"200": free_form, "503": free_form}),
    }
