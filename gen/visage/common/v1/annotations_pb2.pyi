from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Access(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCESS_UNSPECIFIED: _ClassVar[Access]
    ACCESS_READ: _ClassVar[Access]
    ACCESS_WRITE: _ClassVar[Access]
    ACCESS_ADMIN: _ClassVar[Access]
    ACCESS_CAPTURE: _ClassVar[Access]
    ACCESS_SIGNED: _ClassVar[Access]
ACCESS_UNSPECIFIED: Access
ACCESS_READ: Access
ACCESS_WRITE: Access
ACCESS_ADMIN: Access
ACCESS_CAPTURE: Access
ACCESS_SIGNED: Access
HTTP_SUCCESS_STATUS_FIELD_NUMBER: _ClassVar[int]
http_success_status: _descriptor.FieldDescriptor
REQUIRED_ACCESS_FIELD_NUMBER: _ClassVar[int]
required_access: _descriptor.FieldDescriptor
HTTP_STATUS_IF_SET_FIELD_NUMBER: _ClassVar[int]
http_status_if_set: _descriptor.FieldDescriptor
ACCESS_IF_SET_FIELD_NUMBER: _ClassVar[int]
access_if_set: _descriptor.FieldDescriptor
