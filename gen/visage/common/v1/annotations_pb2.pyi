from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

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
HTTP_ERROR_STATUS_FIELD_NUMBER: _ClassVar[int]
http_error_status: _descriptor.FieldDescriptor
HTTP_STATUS_IF_SET_FIELD_NUMBER: _ClassVar[int]
http_status_if_set: _descriptor.FieldDescriptor
ACCESS_IF_SET_FIELD_NUMBER: _ClassVar[int]
access_if_set: _descriptor.FieldDescriptor
RULES_FIELD_NUMBER: _ClassVar[int]
rules: _descriptor.FieldDescriptor
EXACTLY_ONE_OF_FIELD_NUMBER: _ClassVar[int]
exactly_one_of: _descriptor.FieldDescriptor

class FieldRules(_message.Message):
    __slots__ = ("required", "format", "pattern", "min_length", "max_length", "minimum", "maximum", "min_items", "max_items", "allowed", "result_code")
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    MIN_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    MIN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    RESULT_CODE_FIELD_NUMBER: _ClassVar[int]
    required: bool
    format: str
    pattern: str
    min_length: int
    max_length: int
    minimum: float
    maximum: float
    min_items: int
    max_items: int
    allowed: _containers.RepeatedScalarFieldContainer[str]
    result_code: int
    def __init__(self, required: _Optional[bool] = ..., format: _Optional[str] = ..., pattern: _Optional[str] = ..., min_length: _Optional[int] = ..., max_length: _Optional[int] = ..., minimum: _Optional[float] = ..., maximum: _Optional[float] = ..., min_items: _Optional[int] = ..., max_items: _Optional[int] = ..., allowed: _Optional[_Iterable[str]] = ..., result_code: _Optional[int] = ...) -> None: ...
