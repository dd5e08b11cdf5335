from google.protobuf import struct_pb2 as _struct_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Person(_message.Message):
    __slots__ = ("name", "external_id", "metadata", "groups", "expire_at", "id", "created_at", "updated_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    external_id: str
    metadata: _struct_pb2.Struct
    groups: _containers.RepeatedScalarFieldContainer[str]
    expire_at: str
    id: str
    created_at: str
    updated_at: str
    def __init__(self, name: _Optional[str] = ..., external_id: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ..., expire_at: _Optional[str] = ..., id: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ...) -> None: ...

class Image(_message.Message):
    __slots__ = ("id", "content", "content_type", "created_at", "updated_at", "path", "url", "metadata")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    id: str
    content: bytes
    content_type: str
    created_at: str
    updated_at: str
    path: str
    url: str
    metadata: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., content: _Optional[bytes] = ..., content_type: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., path: _Optional[str] = ..., url: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UploadImage(_message.Message):
    __slots__ = ("content_type", "content", "image_url", "resize_options")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    RESIZE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    content: bytes
    image_url: str
    resize_options: ResizeOptions
    def __init__(self, content_type: _Optional[str] = ..., content: _Optional[bytes] = ..., image_url: _Optional[str] = ..., resize_options: _Optional[_Union[ResizeOptions, _Mapping]] = ...) -> None: ...

class ResizeOptions(_message.Message):
    __slots__ = ("width", "height", "quality")
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    width: int
    height: int
    quality: int
    def __init__(self, width: _Optional[int] = ..., height: _Optional[int] = ..., quality: _Optional[int] = ...) -> None: ...

class Group(_message.Message):
    __slots__ = ("name", "metadata", "id", "created_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    metadata: _struct_pb2.Struct
    id: str
    created_at: str
    def __init__(self, name: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., id: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class RecognizeImage(_message.Message):
    __slots__ = ("id", "content", "content_type", "created_at", "updated_at", "path", "url", "metadata", "similarity", "distance")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    content: bytes
    content_type: str
    created_at: str
    updated_at: str
    path: str
    url: str
    metadata: _struct_pb2.Struct
    similarity: float
    distance: float
    def __init__(self, id: _Optional[str] = ..., content: _Optional[bytes] = ..., content_type: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., path: _Optional[str] = ..., url: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., similarity: _Optional[float] = ..., distance: _Optional[float] = ...) -> None: ...
