from google.protobuf import struct_pb2 as _struct_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2
from visage.common.v1 import geometry_pb2 as _geometry_pb2
from visage.common.v1 import image_pb2 as _image_pb2
from visage.identification.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchRequest(_message.Message):
    __slots__ = ("with_images", "parameters")
    WITH_IMAGES_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    with_images: bool
    parameters: SearchParameters
    def __init__(self, with_images: _Optional[bool] = ..., parameters: _Optional[_Union[SearchParameters, _Mapping]] = ...) -> None: ...

class SearchParameters(_message.Message):
    __slots__ = ("tenant", "env", "create_person", "group_ids", "filter", "tag", "image", "output_image_params", "detect_all", "threshold", "limit")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    CREATE_PERSON_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_IMAGE_PARAMS_FIELD_NUMBER: _ClassVar[int]
    DETECT_ALL_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    env: str
    create_person: CreatePersonParams
    group_ids: _containers.RepeatedScalarFieldContainer[str]
    filter: SearchFilter
    tag: str
    image: _records_pb2.UploadImage
    output_image_params: _image_pb2.OutputImageParams
    detect_all: bool
    threshold: float
    limit: int
    def __init__(self, tenant: _Optional[str] = ..., env: _Optional[str] = ..., create_person: _Optional[_Union[CreatePersonParams, _Mapping]] = ..., group_ids: _Optional[_Iterable[str]] = ..., filter: _Optional[_Union[SearchFilter, _Mapping]] = ..., tag: _Optional[str] = ..., image: _Optional[_Union[_records_pb2.UploadImage, _Mapping]] = ..., output_image_params: _Optional[_Union[_image_pb2.OutputImageParams, _Mapping]] = ..., detect_all: _Optional[bool] = ..., threshold: _Optional[float] = ..., limit: _Optional[int] = ...) -> None: ...

class CreatePersonParams(_message.Message):
    __slots__ = ("name", "metadata", "ttl")
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    name: str
    metadata: _struct_pb2.Struct
    ttl: int
    def __init__(self, name: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., ttl: _Optional[int] = ...) -> None: ...

class SearchFilter(_message.Message):
    __slots__ = ("op", "field", "value")
    OP_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    op: str
    field: str
    value: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, op: _Optional[str] = ..., field: _Optional[str] = ..., value: _Optional[_Iterable[str]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("code", "persons", "created_person")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_PERSON_FIELD_NUMBER: _ClassVar[int]
    code: int
    persons: _containers.RepeatedCompositeFieldContainer[SearchPerson]
    created_person: SearchPerson
    def __init__(self, code: _Optional[int] = ..., persons: _Optional[_Iterable[_Union[SearchPerson, _Mapping]]] = ..., created_person: _Optional[_Union[SearchPerson, _Mapping]] = ...) -> None: ...

class SearchPerson(_message.Message):
    __slots__ = ("name", "external_id", "metadata", "groups", "expire_at", "id", "created_at", "updated_at", "detection", "images")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DETECTION_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    name: str
    external_id: str
    metadata: _struct_pb2.Struct
    groups: _containers.RepeatedScalarFieldContainer[str]
    expire_at: str
    id: str
    created_at: str
    updated_at: str
    detection: SearchDetection
    images: _containers.RepeatedCompositeFieldContainer[_records_pb2.RecognizeImage]
    def __init__(self, name: _Optional[str] = ..., external_id: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ..., expire_at: _Optional[str] = ..., id: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., detection: _Optional[_Union[SearchDetection, _Mapping]] = ..., images: _Optional[_Iterable[_Union[_records_pb2.RecognizeImage, _Mapping]]] = ...) -> None: ...

class SearchDetection(_message.Message):
    __slots__ = ("code", "crop", "detector_type", "hash", "idx", "image", "landmarks", "landmarks_type", "msg", "roi", "version_sdk")
    CODE_FIELD_NUMBER: _ClassVar[int]
    CROP_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    IDX_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_TYPE_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    VERSION_SDK_FIELD_NUMBER: _ClassVar[int]
    code: int
    crop: bytes
    detector_type: int
    hash: str
    idx: int
    image: bytes
    landmarks: _containers.RepeatedCompositeFieldContainer[_geometry_pb2.Point]
    landmarks_type: int
    msg: str
    roi: _containers.RepeatedScalarFieldContainer[float]
    version_sdk: str
    def __init__(self, code: _Optional[int] = ..., crop: _Optional[bytes] = ..., detector_type: _Optional[int] = ..., hash: _Optional[str] = ..., idx: _Optional[int] = ..., image: _Optional[bytes] = ..., landmarks: _Optional[_Iterable[_Union[_geometry_pb2.Point, _Mapping]]] = ..., landmarks_type: _Optional[int] = ..., msg: _Optional[str] = ..., roi: _Optional[_Iterable[float]] = ..., version_sdk: _Optional[str] = ...) -> None: ...
