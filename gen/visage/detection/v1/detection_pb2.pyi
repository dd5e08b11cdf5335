from google.api import annotations_pb2 as _annotations_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2_1
from visage.common.v1 import geometry_pb2 as _geometry_pb2
from visage.detection.v1 import assessment_pb2 as _assessment_pb2
from visage.detection.v1 import params_pb2 as _params_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DetectRequest(_message.Message):
    __slots__ = ("tag", "process_param", "image", "tenant", "env", "thumbnails")
    TAG_FIELD_NUMBER: _ClassVar[int]
    PROCESS_PARAM_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    THUMBNAILS_FIELD_NUMBER: _ClassVar[int]
    tag: str
    process_param: _params_pb2.ProcessParam
    image: bytes
    tenant: str
    env: str
    thumbnails: bool
    def __init__(self, tag: _Optional[str] = ..., process_param: _Optional[_Union[_params_pb2.ProcessParam, _Mapping]] = ..., image: _Optional[bytes] = ..., tenant: _Optional[str] = ..., env: _Optional[str] = ..., thumbnails: _Optional[bool] = ...) -> None: ...

class DetectResponse(_message.Message):
    __slots__ = ("code", "results")
    CODE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    code: int
    results: DetectResult
    def __init__(self, code: _Optional[int] = ..., results: _Optional[_Union[DetectResult, _Mapping]] = ...) -> None: ...

class DetectResult(_message.Message):
    __slots__ = ("detections", "detector_type", "landmarks_type", "scenario", "elapsed_time")
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_TIME_FIELD_NUMBER: _ClassVar[int]
    detections: _containers.RepeatedCompositeFieldContainer[Detection]
    detector_type: int
    landmarks_type: int
    scenario: str
    elapsed_time: float
    def __init__(self, detections: _Optional[_Iterable[_Union[Detection, _Mapping]]] = ..., detector_type: _Optional[int] = ..., landmarks_type: _Optional[int] = ..., scenario: _Optional[str] = ..., elapsed_time: _Optional[float] = ...) -> None: ...

class Detection(_message.Message):
    __slots__ = ("crop", "attributes", "landmarks", "quality", "roi")
    CROP_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    crop: bytes
    attributes: _assessment_pb2.DetectionAttributes
    landmarks: _containers.RepeatedCompositeFieldContainer[_geometry_pb2.Point]
    quality: _assessment_pb2.DetectionQuality
    roi: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, crop: _Optional[bytes] = ..., attributes: _Optional[_Union[_assessment_pb2.DetectionAttributes, _Mapping]] = ..., landmarks: _Optional[_Iterable[_Union[_geometry_pb2.Point, _Mapping]]] = ..., quality: _Optional[_Union[_assessment_pb2.DetectionQuality, _Mapping]] = ..., roi: _Optional[_Iterable[float]] = ...) -> None: ...
