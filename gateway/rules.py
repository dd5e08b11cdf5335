"""REST routes read from service descriptors: `google.api.http` rules plus Visage's status options.

Works on any descriptor pool: the one discovery fills from gRPC reflection, or the default pool of the
generated stubs (tests). See protos/README.md, "How the gateway transcodes".
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from visage.common.v1 import annotations_pb2 as visage_annotations

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_log = logging.getLogger(__name__)
# Path variables: `{personId}`, or `{name=*}` / `{name=**}` in google.api.http's template syntax.
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?:=(\*\*?))?\}")


@dataclass(frozen=True, eq=False)  # compared by identity: descriptors and rules are not hashable
class RestRoute:
    """One HTTP method + path template served by one unary RPC of one backend."""

    method: str  # "GET", "POST", ...
    template: str  # "/api/persons/{personId}"
    rpc: MethodDescriptor
    rule: http_pb2.HttpRule
    backend: str
    success_status: int = 200
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    variables: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern, variables = compile_template(self.template)
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "variables", variables)

    @property
    def grpc_path(self) -> str:
        return f"/{self.rpc.containing_service.full_name}/{self.rpc.name}"

    @property
    def request_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.rpc.input_type)

    @property
    def response_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.rpc.output_type)

    def match(self, path: str) -> dict[str, str] | None:
        """Path variables by name when `path` fits the template, else None."""
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return {name: found.group(f"v{i}") for i, name in enumerate(self.variables)}


def compile_template(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """`/api/persons/{personId}` -> a regex with one group per variable, and the variable names."""
    parts, names, position = [], [], 0
    for i, variable in enumerate(_VARIABLE.finditer(template)):
        parts.append(re.escape(template[position : variable.start()]))
        parts.append(f"(?P<v{i}>{'.+' if variable.group(2) == '**' else '[^/]+'})")
        names.append(variable.group(1))
        position = variable.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts)), tuple(names)


def http_rules(rpc: MethodDescriptor) -> list[http_pb2.HttpRule]:
    """The method's `google.api.http` rule and its `additional_bindings`; empty for internal RPCs."""
    options = _method_options(rpc)
    if not options.HasExtension(annotations_pb2.http):
        return []
    rule = options.Extensions[annotations_pb2.http]
    return [rule, *rule.additional_bindings]


@functools.cache  # read on every call of the route: parse the options once
def success_status(rpc: MethodDescriptor) -> int:
    """`visage.common.v1.http_success_status`, 200 when absent."""
    options = _method_options(rpc)
    has_status = options.HasExtension(visage_annotations.http_success_status)
    return options.Extensions[visage_annotations.http_success_status] if has_status else 200


@functools.cache  # read for every field of every response: parse the options once
def status_if_set(field_descriptor: FieldDescriptor) -> int | None:
    """`visage.common.v1.http_status_if_set` of a response field, None when absent."""
    # Re-parsed into the default pool's FieldOptions, where the extension is registered, whatever pool
    # the descriptor comes from.
    options = descriptor_pb2.FieldOptions.FromString(field_descriptor.GetOptions().SerializeToString())
    has_status = options.HasExtension(visage_annotations.http_status_if_set)
    return options.Extensions[visage_annotations.http_status_if_set] if has_status else None


@functools.cache  # read for every request field of every route: parse the options once
def field_rules(field_descriptor: FieldDescriptor) -> visage_annotations.FieldRules | None:
    """`visage.common.v1.rules` of a request field: what it accepts beyond its JSON type; None when absent."""
    options = descriptor_pb2.FieldOptions.FromString(field_descriptor.GetOptions().SerializeToString())
    has_rules = options.HasExtension(visage_annotations.rules)
    return options.Extensions[visage_annotations.rules] if has_rules else None


@functools.cache
def required_access(rpc: MethodDescriptor) -> int:
    """`visage.common.v1.required_access` (an `Access` value); ACCESS_UNSPECIFIED (admin only) when absent."""
    return _method_options(rpc).Extensions[visage_annotations.required_access]


@functools.cache
def error_statuses(rpc: MethodDescriptor) -> tuple[int, ...]:
    """`visage.common.v1.http_error_status`: the method's error statuses beyond every route's common ones."""
    return tuple(_method_options(rpc).Extensions[visage_annotations.http_error_status])


@functools.cache
def exactly_one_of(message: Descriptor) -> tuple[str, ...]:
    """`visage.common.v1.exactly_one_of` of a request message: the alternative fields, by proto name."""
    options = descriptor_pb2.MessageOptions.FromString(message.GetOptions().SerializeToString())
    return tuple(options.Extensions[visage_annotations.exactly_one_of])


# Request fields nest a few levels at most; the bound also stops a message type that contains itself.
_MAX_ACCESS_DEPTH = 4


@functools.cache
def access_fields(message: Descriptor, depth: int = 0) -> tuple[tuple[tuple[str, ...], int], ...]:
    """(field path, access) of each field carrying `visage.common.v1.access_if_set`, through singular
    message fields: setting the field makes the request need that access too."""
    found: list[tuple[tuple[str, ...], int]] = []
    for field_descriptor in message.fields:
        options = descriptor_pb2.FieldOptions.FromString(field_descriptor.GetOptions().SerializeToString())
        if options.HasExtension(visage_annotations.access_if_set):
            found.append(((field_descriptor.name,), options.Extensions[visage_annotations.access_if_set]))
        is_message = field_descriptor.type == FieldDescriptor.TYPE_MESSAGE
        if is_message and not field_descriptor.is_repeated and depth < _MAX_ACCESS_DEPTH:
            for path, access in access_fields(field_descriptor.message_type, depth + 1):
                found.append(((field_descriptor.name, *path), access))
    return tuple(found)


def accesses_needed(rpc: MethodDescriptor, request: Message) -> set[int]:
    """Every access the request needs: its method's, and that of each `access_if_set` field it sets."""
    needed = {required_access(rpc)}
    for path, access in access_fields(request.DESCRIPTOR):
        message = request
        for name in path:
            if not message.HasField(name):
                break
            message = getattr(message, name)
        else:
            needed.add(access)
    return needed


def image_count(request: Message) -> int:
    """The images a request carries in its repeated `images` field (match, match_and_search); 0 without one.
    Every other request carries one image at most."""
    field_descriptor = request.DESCRIPTOR.fields_by_name.get("images")
    if field_descriptor is None or not field_descriptor.is_repeated:
        return 0
    return len(request.images)


def _method_options(rpc: MethodDescriptor) -> descriptor_pb2.MethodOptions:
    return descriptor_pb2.MethodOptions.FromString(rpc.GetOptions().SerializeToString())


def service_routes(service: ServiceDescriptor, backend: str) -> list[RestRoute]:
    """Every annotated unary RPC of `service` as routes; streaming and unannotated RPCs have none.

    A rule the gateway cannot serve (custom verb, a variable or body naming no field) is logged and skipped.
    """
    routes = []
    for rpc in service.methods:
        for rule in http_rules(rpc):
            kind = rule.WhichOneof("pattern")
            if kind not in HTTP_METHODS or rpc.client_streaming or rpc.server_streaming:
                _log.warning("%s: only unary get/put/post/delete/patch rules are served", rpc.full_name)
                continue
            route = RestRoute(kind.upper(), getattr(rule, kind), rpc, rule, backend, success_status(rpc))
            unbound = [name for name in route.variables if not _has_field(rpc.input_type, name)]
            if rule.body not in ("", "*") and not _has_field(rpc.input_type, rule.body):
                unbound.append(rule.body)
            if unbound:
                _log.warning(
                    "%s %s: %s name no request field; skipped", route.method, route.template, unbound
                )
                continue
            routes.append(route)
    return routes


def _has_field(message: Descriptor, name: str) -> bool:
    return any(name in (field.json_name, field.name) for field in message.fields)


def sort_routes(routes: list[RestRoute]) -> list[RestRoute]:
    """Most specific first: a literal segment wins over a variable at the same place."""

    def key(route: RestRoute) -> tuple[int, ...]:
        segments = route.template.strip("/").split("/")
        return (-len(segments), *(1 if "{" in s else 0 for s in segments))

    return sorted(routes, key=key)
