from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2
from visage.identification.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreatePersonRequest(_message.Message):
    __slots__ = ("name", "external_id", "metadata", "groups", "expire_at", "ttl")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    name: str
    external_id: str
    metadata: _struct_pb2.Struct
    groups: _containers.RepeatedScalarFieldContainer[str]
    expire_at: str
    ttl: int
    def __init__(self, name: _Optional[str] = ..., external_id: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ..., expire_at: _Optional[str] = ..., ttl: _Optional[int] = ...) -> None: ...

class CreatePersonResponse(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: _records_pb2.Person
    def __init__(self, person: _Optional[_Union[_records_pb2.Person, _Mapping]] = ...) -> None: ...

class GetPersonRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class GetPersonResponse(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: _records_pb2.Person
    def __init__(self, person: _Optional[_Union[_records_pb2.Person, _Mapping]] = ...) -> None: ...

class UpdatePersonRequest(_message.Message):
    __slots__ = ("person_id", "external_id", "name", "metadata", "groups")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    external_id: str
    name: str
    metadata: _struct_pb2.Struct
    groups: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, person_id: _Optional[str] = ..., external_id: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdatePersonResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeletePersonRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class DeletePersonResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPersonImagesRequest(_message.Message):
    __slots__ = ("person_id", "page", "size")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    page: int
    size: int
    def __init__(self, person_id: _Optional[str] = ..., page: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class ListPersonImagesResponse(_message.Message):
    __slots__ = ("items", "page", "total_pages")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAGES_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_records_pb2.Image]
    page: int
    total_pages: int
    def __init__(self, items: _Optional[_Iterable[_Union[_records_pb2.Image, _Mapping]]] = ..., page: _Optional[int] = ..., total_pages: _Optional[int] = ...) -> None: ...

class AddPersonImageRequest(_message.Message):
    __slots__ = ("person_id", "tag", "image", "threshold", "limit", "tenant", "env")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    tag: str
    image: _records_pb2.UploadImage
    threshold: float
    limit: int
    tenant: str
    env: str
    def __init__(self, person_id: _Optional[str] = ..., tag: _Optional[str] = ..., image: _Optional[_Union[_records_pb2.UploadImage, _Mapping]] = ..., threshold: _Optional[float] = ..., limit: _Optional[int] = ..., tenant: _Optional[str] = ..., env: _Optional[str] = ...) -> None: ...

class AddPersonImageResponse(_message.Message):
    __slots__ = ("id", "content_type", "created_at", "path", "url", "metadata")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    id: str
    content_type: str
    created_at: str
    path: str
    url: str
    metadata: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., content_type: _Optional[str] = ..., created_at: _Optional[str] = ..., path: _Optional[str] = ..., url: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetPersonImageRequest(_message.Message):
    __slots__ = ("person_id", "image_id")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    image_id: str
    def __init__(self, person_id: _Optional[str] = ..., image_id: _Optional[str] = ...) -> None: ...

class GetPersonImageResponse(_message.Message):
    __slots__ = ("image",)
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    image: _httpbody_pb2.HttpBody
    def __init__(self, image: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class DeletePersonImageRequest(_message.Message):
    __slots__ = ("person_id", "image_id")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    image_id: str
    def __init__(self, person_id: _Optional[str] = ..., image_id: _Optional[str] = ...) -> None: ...

class DeletePersonImageResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPersonGroupsRequest(_message.Message):
    __slots__ = ("person_id", "page", "size")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    page: int
    size: int
    def __init__(self, person_id: _Optional[str] = ..., page: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class ListPersonGroupsResponse(_message.Message):
    __slots__ = ("items", "page", "total_pages")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAGES_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_records_pb2.Group]
    page: int
    total_pages: int
    def __init__(self, items: _Optional[_Iterable[_Union[_records_pb2.Group, _Mapping]]] = ..., page: _Optional[int] = ..., total_pages: _Optional[int] = ...) -> None: ...
