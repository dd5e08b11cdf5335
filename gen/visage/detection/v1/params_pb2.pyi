from visage.common.v1 import annotations_pb2 as _annotations_pb2
from visage.common.v1 import image_pb2 as _image_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProcessParam(_message.Message):
    __slots__ = ("scenario", "only_central_face", "output_image_params", "quality", "attributes")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    ONLY_CENTRAL_FACE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_IMAGE_PARAMS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    scenario: str
    only_central_face: bool
    output_image_params: _image_pb2.OutputImageParams
    quality: QualityRequest
    attributes: AttributesRequest
    def __init__(self, scenario: _Optional[str] = ..., only_central_face: _Optional[bool] = ..., output_image_params: _Optional[_Union[_image_pb2.OutputImageParams, _Mapping]] = ..., quality: _Optional[_Union[QualityRequest, _Mapping]] = ..., attributes: _Optional[_Union[AttributesRequest, _Mapping]] = ...) -> None: ...

class QualityRequest(_message.Message):
    __slots__ = ("background_match_color", "config")
    BACKGROUND_MATCH_COLOR_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    background_match_color: _containers.RepeatedScalarFieldContainer[int]
    config: _containers.RepeatedCompositeFieldContainer[QualityConfig]
    def __init__(self, background_match_color: _Optional[_Iterable[int]] = ..., config: _Optional[_Iterable[_Union[QualityConfig, _Mapping]]] = ...) -> None: ...

class QualityConfig(_message.Message):
    __slots__ = ("name", "range")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    range: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, name: _Optional[str] = ..., range: _Optional[_Iterable[float]] = ...) -> None: ...

class AttributesRequest(_message.Message):
    __slots__ = ("config",)
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    config: _containers.RepeatedCompositeFieldContainer[AttributeConfig]
    def __init__(self, config: _Optional[_Iterable[_Union[AttributeConfig, _Mapping]]] = ...) -> None: ...

class AttributeConfig(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...
