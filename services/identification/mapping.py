"""Proto ↔ domain for persons, groups and images (search: mapping_search.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from google.protobuf import json_format, struct_pb2
from visage.identification.v1 import groups_pb2, persons_pb2, records_pb2

from libs.identification import (
    Group,
    GroupFields,
    Image,
    PageRequest,
    Person,
    PersonChanges,
    PersonFields,
    ResizeOptions,
    ScoredImage,
    Upload,
)
from libs.timestamps import iso_from_ms


class _Paged(Protocol):
    def HasField(self, name: str) -> bool: ...

    @property
    def page(self) -> int: ...

    @property
    def size(self) -> int: ...


def metadata_of(message: Any, name: str = "metadata") -> dict[str, Any] | None:
    """The Struct field as a dict, or None when the client left it out."""
    if not message.HasField(name):
        return None
    return json_format.MessageToDict(getattr(message, name))


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(dict(value))
    return result


def optional(message: Any, name: str) -> Any:
    return getattr(message, name) if message.HasField(name) else None


def page_request(request: _Paged) -> PageRequest:
    return PageRequest(optional(request, "page"), optional(request, "size"))


def person_fields(request: persons_pb2.CreatePersonRequest) -> PersonFields:
    return PersonFields(
        name=request.name,
        external_id=optional(request, "external_id"),
        metadata=metadata_of(request) or {},
        groups=tuple(request.groups),
        expire_at=optional(request, "expire_at"),
        ttl=optional(request, "ttl"),
    )


def person_changes(request: persons_pb2.UpdatePersonRequest) -> PersonChanges:
    return PersonChanges(
        name=optional(request, "name"),
        external_id=optional(request, "external_id"),
        metadata=metadata_of(request),
        groups=tuple(request.groups),
    )


def group_fields(request: groups_pb2.CreateGroupRequest | groups_pb2.UpdateGroupRequest) -> GroupFields:
    return GroupFields(name=request.name, metadata=metadata_of(request))


def upload(image: records_pb2.UploadImage) -> Upload:
    resize = None
    if image.HasField("resize_options"):
        options = image.resize_options
        resize = ResizeOptions(
            optional(options, "width"), optional(options, "height"), optional(options, "quality")
        )
    return Upload(image.content, image.image_url, image.content_type, resize)


def person(value: Person) -> records_pb2.Person:
    return records_pb2.Person(
        name=value.name,
        external_id=value.external_id,
        metadata=struct(value.metadata),
        groups=value.groups,
        expire_at=None if value.expire_at is None else iso_from_ms(value.expire_at),
        id=value.id,
        created_at=iso_from_ms(value.created_at),
        updated_at=None if value.updated_at is None else iso_from_ms(value.updated_at),
    )


def person_parts(value: Person) -> dict[str, Any]:
    """The Person fields as keyword arguments, for the messages that embed them (SearchPerson...)."""
    message = person(value)
    parts: dict[str, Any] = {
        "name": message.name,
        "metadata": message.metadata,
        "groups": list(message.groups),
        "id": message.id,
        "created_at": message.created_at,
    }
    for name in ("external_id", "expire_at", "updated_at"):
        if message.HasField(name):
            parts[name] = getattr(message, name)
    return parts


def group(value: Group) -> records_pb2.Group:
    created_at = iso_from_ms(value.created_at)
    return records_pb2.Group(
        name=value.name, metadata=struct(value.metadata), id=value.id, created_at=created_at
    )


def image(value: Image) -> records_pb2.Image:
    return records_pb2.Image(
        id=value.id,
        content_type=value.content_type,
        created_at=iso_from_ms(value.created_at),
        updated_at=None if value.updated_at is None else iso_from_ms(value.updated_at),
        path=value.path,
        url=value.url,
        metadata=struct(value.metadata),
    )


def recognize_image(value: ScoredImage) -> records_pb2.RecognizeImage:
    stored = image(value.image)
    result = records_pb2.RecognizeImage(
        id=stored.id,
        content_type=stored.content_type,
        created_at=stored.created_at,
        path=stored.path,
        url=stored.url,
        metadata=stored.metadata,
        similarity=value.similarity,
        distance=value.distance,
    )
    if stored.HasField("updated_at"):
        result.updated_at = stored.updated_at
    if value.content is not None:
        result.content = value.content
    return result


def added_image(value: Image) -> persons_pb2.AddPersonImageResponse:
    return persons_pb2.AddPersonImageResponse(
        id=value.id,
        content_type=value.content_type,
        created_at=iso_from_ms(value.created_at),
        path=value.path,
        url=value.url,
        metadata=struct(value.metadata),
    )
