from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2_1
from visage.common.v1 import comparison_pb2 as _comparison_pb2
from visage.common.v1 import geometry_pb2 as _geometry_pb2
from visage.common.v1 import image_pb2 as _image_pb2
from visage.matching.v1 import descriptors_pb2 as _descriptors_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MatchRequest(_message.Message):
    __slots__ = ("tag", "images", "output_image_params", "tenant", "env", "thumbnails")
    TAG_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_IMAGE_PARAMS_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    THUMBNAILS_FIELD_NUMBER: _ClassVar[int]
    tag: str
    images: _containers.RepeatedCompositeFieldContainer[MatchImage]
    output_image_params: _image_pb2.OutputImageParams
    tenant: str
    env: str
    thumbnails: _struct_pb2.Value
    def __init__(self, tag: _Optional[str] = ..., images: _Optional[_Iterable[_Union[MatchImage, _Mapping]]] = ..., output_image_params: _Optional[_Union[_image_pb2.OutputImageParams, _Mapping]] = ..., tenant: _Optional[str] = ..., env: _Optional[str] = ..., thumbnails: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class MatchImage(_message.Message):
    __slots__ = ("index", "type", "data", "detect_all", "liveness_transaction_id")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DETECT_ALL_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    index: int
    type: _image_pb2.ImageSource
    data: bytes
    detect_all: bool
    liveness_transaction_id: str
    def __init__(self, index: _Optional[int] = ..., type: _Optional[_Union[_image_pb2.ImageSource, str]] = ..., data: _Optional[bytes] = ..., detect_all: _Optional[bool] = ..., liveness_transaction_id: _Optional[str] = ...) -> None: ...

class MatchResponse(_message.Message):
    __slots__ = ("code", "detections", "results", "metadata")
    CODE_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    code: int
    detections: _containers.RepeatedCompositeFieldContainer[MatchImageDetection]
    results: _containers.RepeatedCompositeFieldContainer[_comparison_pb2.MatchImageResult]
    metadata: _struct_pb2.Struct
    def __init__(self, code: _Optional[int] = ..., detections: _Optional[_Iterable[_Union[MatchImageDetection, _Mapping]]] = ..., results: _Optional[_Iterable[_Union[_comparison_pb2.MatchImageResult, _Mapping]]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class MatchImageDetection(_message.Message):
    __slots__ = ("faces", "image_index", "status")
    FACES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_INDEX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    faces: _containers.RepeatedCompositeFieldContainer[DetectionFace]
    image_index: int
    status: int
    def __init__(self, faces: _Optional[_Iterable[_Union[DetectionFace, _Mapping]]] = ..., image_index: _Optional[int] = ..., status: _Optional[int] = ...) -> None: ...

class DetectionFace(_message.Message):
    __slots__ = ("face_index", "landmarks", "rotation_angle", "roi", "crop")
    FACE_INDEX_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    ROTATION_ANGLE_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    CROP_FIELD_NUMBER: _ClassVar[int]
    face_index: int
    landmarks: _containers.RepeatedCompositeFieldContainer[_geometry_pb2.Point]
    rotation_angle: float
    roi: _containers.RepeatedScalarFieldContainer[float]
    crop: bytes
    def __init__(self, face_index: _Optional[int] = ..., landmarks: _Optional[_Iterable[_Union[_geometry_pb2.Point, _Mapping]]] = ..., rotation_angle: _Optional[float] = ..., roi: _Optional[_Iterable[float]] = ..., crop: _Optional[bytes] = ...) -> None: ...
