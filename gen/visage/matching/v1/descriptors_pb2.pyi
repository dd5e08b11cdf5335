from visage.common.v1 import geometry_pb2 as _geometry_pb2
from visage.common.v1 import image_pb2 as _image_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ComputeDescriptorsRequest(_message.Message):
    __slots__ = ("images", "output_image_params")
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_IMAGE_PARAMS_FIELD_NUMBER: _ClassVar[int]
    images: _containers.RepeatedCompositeFieldContainer[DescriptorImage]
    output_image_params: _image_pb2.OutputImageParams
    def __init__(self, images: _Optional[_Iterable[_Union[DescriptorImage, _Mapping]]] = ..., output_image_params: _Optional[_Union[_image_pb2.OutputImageParams, _Mapping]] = ...) -> None: ...

class DescriptorImage(_message.Message):
    __slots__ = ("data", "detect_all")
    DATA_FIELD_NUMBER: _ClassVar[int]
    DETECT_ALL_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    detect_all: bool
    def __init__(self, data: _Optional[bytes] = ..., detect_all: _Optional[bool] = ...) -> None: ...

class ComputeDescriptorsResponse(_message.Message):
    __slots__ = ("images", "model")
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    images: _containers.RepeatedCompositeFieldContainer[ImageDescriptors]
    model: str
    def __init__(self, images: _Optional[_Iterable[_Union[ImageDescriptors, _Mapping]]] = ..., model: _Optional[str] = ...) -> None: ...

class ImageDescriptors(_message.Message):
    __slots__ = ("status", "faces", "width", "height")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FACES_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    status: int
    faces: _containers.RepeatedCompositeFieldContainer[FaceDescriptor]
    width: int
    height: int
    def __init__(self, status: _Optional[int] = ..., faces: _Optional[_Iterable[_Union[FaceDescriptor, _Mapping]]] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class FaceDescriptor(_message.Message):
    __slots__ = ("face_index", "roi", "landmarks", "rotation_angle", "crop", "detection_score", "descriptor")
    FACE_INDEX_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    ROTATION_ANGLE_FIELD_NUMBER: _ClassVar[int]
    CROP_FIELD_NUMBER: _ClassVar[int]
    DETECTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    face_index: int
    roi: _containers.RepeatedScalarFieldContainer[float]
    landmarks: _containers.RepeatedCompositeFieldContainer[_geometry_pb2.Point]
    rotation_angle: float
    crop: bytes
    detection_score: float
    descriptor: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, face_index: _Optional[int] = ..., roi: _Optional[_Iterable[float]] = ..., landmarks: _Optional[_Iterable[_Union[_geometry_pb2.Point, _Mapping]]] = ..., rotation_angle: _Optional[float] = ..., crop: _Optional[bytes] = ..., detection_score: _Optional[float] = ..., descriptor: _Optional[_Iterable[float]] = ...) -> None: ...
