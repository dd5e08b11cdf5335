from visage.common.v1 import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImageSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMAGE_SOURCE_UNSPECIFIED: _ClassVar[ImageSource]
    IMAGE_SOURCE_DOCUMENT_PRINTED: _ClassVar[ImageSource]
    IMAGE_SOURCE_DOCUMENT_RFID: _ClassVar[ImageSource]
    IMAGE_SOURCE_LIVE: _ClassVar[ImageSource]
    IMAGE_SOURCE_DOCUMENT_WITH_LIVE: _ClassVar[ImageSource]
    IMAGE_SOURCE_EXTERNAL: _ClassVar[ImageSource]
    IMAGE_SOURCE_GHOST: _ClassVar[ImageSource]
    IMAGE_SOURCE_BARCODE: _ClassVar[ImageSource]
IMAGE_SOURCE_UNSPECIFIED: ImageSource
IMAGE_SOURCE_DOCUMENT_PRINTED: ImageSource
IMAGE_SOURCE_DOCUMENT_RFID: ImageSource
IMAGE_SOURCE_LIVE: ImageSource
IMAGE_SOURCE_DOCUMENT_WITH_LIVE: ImageSource
IMAGE_SOURCE_EXTERNAL: ImageSource
IMAGE_SOURCE_GHOST: ImageSource
IMAGE_SOURCE_BARCODE: ImageSource

class OutputImageParams(_message.Message):
    __slots__ = ("background_color", "crop")
    BACKGROUND_COLOR_FIELD_NUMBER: _ClassVar[int]
    CROP_FIELD_NUMBER: _ClassVar[int]
    background_color: _containers.RepeatedScalarFieldContainer[int]
    crop: Crop
    def __init__(self, background_color: _Optional[_Iterable[int]] = ..., crop: _Optional[_Union[Crop, _Mapping]] = ...) -> None: ...

class Crop(_message.Message):
    __slots__ = ("type", "pad_color", "size", "return_original_rect")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PAD_COLOR_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    RETURN_ORIGINAL_RECT_FIELD_NUMBER: _ClassVar[int]
    type: int
    pad_color: _containers.RepeatedScalarFieldContainer[int]
    size: _containers.RepeatedScalarFieldContainer[int]
    return_original_rect: bool
    def __init__(self, type: _Optional[int] = ..., pad_color: _Optional[_Iterable[int]] = ..., size: _Optional[_Iterable[int]] = ..., return_original_rect: _Optional[bool] = ...) -> None: ...
