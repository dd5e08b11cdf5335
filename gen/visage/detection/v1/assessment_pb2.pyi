from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DetectionQuality(_message.Message):
    __slots__ = ("non_compliant", "details_groups", "details", "score", "elapsed_time")
    NON_COMPLIANT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_GROUPS_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_TIME_FIELD_NUMBER: _ClassVar[int]
    non_compliant: _containers.RepeatedScalarFieldContainer[str]
    details_groups: _containers.RepeatedCompositeFieldContainer[QualityDetailsGroup]
    details: _containers.RepeatedCompositeFieldContainer[QualityDetail]
    score: float
    elapsed_time: float
    def __init__(self, non_compliant: _Optional[_Iterable[str]] = ..., details_groups: _Optional[_Iterable[_Union[QualityDetailsGroup, _Mapping]]] = ..., details: _Optional[_Iterable[_Union[QualityDetail, _Mapping]]] = ..., score: _Optional[float] = ..., elapsed_time: _Optional[float] = ...) -> None: ...

class QualityDetailsGroup(_message.Message):
    __slots__ = ("group_id", "name", "total_count", "compliant_count")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLIANT_COUNT_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    name: str
    total_count: int
    compliant_count: int
    def __init__(self, group_id: _Optional[int] = ..., name: _Optional[str] = ..., total_count: _Optional[int] = ..., compliant_count: _Optional[int] = ...) -> None: ...

class QualityDetail(_message.Message):
    __slots__ = ("group_id", "name", "range", "status", "value")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    name: str
    range: _containers.RepeatedScalarFieldContainer[float]
    status: int
    value: float
    def __init__(self, group_id: _Optional[int] = ..., name: _Optional[str] = ..., range: _Optional[_Iterable[float]] = ..., status: _Optional[int] = ..., value: _Optional[float] = ...) -> None: ...

class DetectionAttributes(_message.Message):
    __slots__ = ("details", "elapsed_time")
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_TIME_FIELD_NUMBER: _ClassVar[int]
    details: _containers.RepeatedCompositeFieldContainer[AttributeDetail]
    elapsed_time: float
    def __init__(self, details: _Optional[_Iterable[_Union[AttributeDetail, _Mapping]]] = ..., elapsed_time: _Optional[float] = ...) -> None: ...

class AttributeDetail(_message.Message):
    __slots__ = ("name", "confidence", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    confidence: float
    value: _struct_pb2.Value
    def __init__(self, name: _Optional[str] = ..., confidence: _Optional[float] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
