from google.protobuf import struct_pb2 as _struct_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2
from visage.common.v1 import comparison_pb2 as _comparison_pb2
from visage.common.v1 import geometry_pb2 as _geometry_pb2
from visage.common.v1 import image_pb2 as _image_pb2
from visage.identification.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MatchAndSearchRequest(_message.Message):
    __slots__ = ("tag", "images", "group_ids", "threshold", "limit", "tenant", "env")
    TAG_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    tag: str
    images: _containers.RepeatedCompositeFieldContainer[MatchAndSearchImage]
    group_ids: _containers.RepeatedScalarFieldContainer[str]
    threshold: float
    limit: int
    tenant: str
    env: str
    def __init__(self, tag: _Optional[str] = ..., images: _Optional[_Iterable[_Union[MatchAndSearchImage, _Mapping]]] = ..., group_ids: _Optional[_Iterable[str]] = ..., threshold: _Optional[float] = ..., limit: _Optional[int] = ..., tenant: _Optional[str] = ..., env: _Optional[str] = ...) -> None: ...

class MatchAndSearchImage(_message.Message):
    __slots__ = ("content", "image_url", "type", "liveness_transaction_id")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    image_url: str
    type: _image_pb2.ImageSource
    liveness_transaction_id: str
    def __init__(self, content: _Optional[bytes] = ..., image_url: _Optional[str] = ..., type: _Optional[_Union[_image_pb2.ImageSource, str]] = ..., liveness_transaction_id: _Optional[str] = ...) -> None: ...

class MatchAndSearchResponse(_message.Message):
    __slots__ = ("code", "results", "elapsed_time", "metadata", "detections")
    CODE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    code: int
    results: _containers.RepeatedCompositeFieldContainer[_comparison_pb2.MatchImageResult]
    elapsed_time: float
    metadata: _struct_pb2.Struct
    detections: _containers.RepeatedCompositeFieldContainer[MatchAndSearchDetection]
    def __init__(self, code: _Optional[int] = ..., results: _Optional[_Iterable[_Union[_comparison_pb2.MatchImageResult, _Mapping]]] = ..., elapsed_time: _Optional[float] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., detections: _Optional[_Iterable[_Union[MatchAndSearchDetection, _Mapping]]] = ...) -> None: ...

class MatchAndSearchDetection(_message.Message):
    __slots__ = ("faces", "image_index", "status")
    FACES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_INDEX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    faces: _containers.RepeatedCompositeFieldContainer[MatchAndSearchFace]
    image_index: int
    status: int
    def __init__(self, faces: _Optional[_Iterable[_Union[MatchAndSearchFace, _Mapping]]] = ..., image_index: _Optional[int] = ..., status: _Optional[int] = ...) -> None: ...

class MatchAndSearchFace(_message.Message):
    __slots__ = ("face_index", "landmarks", "rotation_angle", "roi", "crop", "persons")
    FACE_INDEX_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    ROTATION_ANGLE_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    CROP_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    face_index: int
    landmarks: _containers.RepeatedCompositeFieldContainer[_geometry_pb2.Point]
    rotation_angle: float
    roi: _containers.RepeatedScalarFieldContainer[float]
    crop: bytes
    persons: _containers.RepeatedCompositeFieldContainer[PersonWithImages]
    def __init__(self, face_index: _Optional[int] = ..., landmarks: _Optional[_Iterable[_Union[_geometry_pb2.Point, _Mapping]]] = ..., rotation_angle: _Optional[float] = ..., roi: _Optional[_Iterable[float]] = ..., crop: _Optional[bytes] = ..., persons: _Optional[_Iterable[_Union[PersonWithImages, _Mapping]]] = ...) -> None: ...

class PersonWithImages(_message.Message):
    __slots__ = ("images", "name", "external_id", "metadata", "groups", "expire_at", "id", "created_at", "updated_at")
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    images: _containers.RepeatedCompositeFieldContainer[_records_pb2.RecognizeImage]
    name: str
    external_id: str
    metadata: _struct_pb2.Struct
    groups: _containers.RepeatedScalarFieldContainer[str]
    expire_at: str
    id: str
    created_at: str
    updated_at: str
    def __init__(self, images: _Optional[_Iterable[_Union[_records_pb2.RecognizeImage, _Mapping]]] = ..., name: _Optional[str] = ..., external_id: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ..., expire_at: _Optional[str] = ..., id: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ...) -> None: ...
