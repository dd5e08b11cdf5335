from google.protobuf import struct_pb2 as _struct_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2
from visage.identification.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListGroupsRequest(_message.Message):
    __slots__ = ("page", "size")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    page: int
    size: int
    def __init__(self, page: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class ListGroupsResponse(_message.Message):
    __slots__ = ("items", "page", "total_pages")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAGES_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_records_pb2.Group]
    page: int
    total_pages: int
    def __init__(self, items: _Optional[_Iterable[_Union[_records_pb2.Group, _Mapping]]] = ..., page: _Optional[int] = ..., total_pages: _Optional[int] = ...) -> None: ...

class CreateGroupRequest(_message.Message):
    __slots__ = ("tag", "name", "metadata")
    TAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    tag: str
    name: str
    metadata: _struct_pb2.Struct
    def __init__(self, tag: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreateGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _records_pb2.Group
    def __init__(self, group: _Optional[_Union[_records_pb2.Group, _Mapping]] = ...) -> None: ...

class GetGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class GetGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _records_pb2.Group
    def __init__(self, group: _Optional[_Union[_records_pb2.Group, _Mapping]] = ...) -> None: ...

class UpdateGroupRequest(_message.Message):
    __slots__ = ("group_id", "tag", "name", "metadata")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    tag: str
    name: str
    metadata: _struct_pb2.Struct
    def __init__(self, group_id: _Optional[str] = ..., tag: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class DeleteGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListGroupPersonsRequest(_message.Message):
    __slots__ = ("group_id", "page", "size")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    page: int
    size: int
    def __init__(self, group_id: _Optional[str] = ..., page: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class ListGroupPersonsResponse(_message.Message):
    __slots__ = ("items", "page", "total_pages")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAGES_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_records_pb2.Person]
    page: int
    total_pages: int
    def __init__(self, items: _Optional[_Iterable[_Union[_records_pb2.Person, _Mapping]]] = ..., page: _Optional[int] = ..., total_pages: _Optional[int] = ...) -> None: ...

class UpdateGroupPersonsRequest(_message.Message):
    __slots__ = ("group_id", "add_items", "remove_items")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ADD_ITEMS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    add_items: _containers.RepeatedScalarFieldContainer[str]
    remove_items: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group_id: _Optional[str] = ..., add_items: _Optional[_Iterable[str]] = ..., remove_items: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateGroupPersonsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
