from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2_1
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetLivenessTransactionRequest(_message.Message):
    __slots__ = ("transaction_id",)
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    def __init__(self, transaction_id: _Optional[str] = ...) -> None: ...

class GetLivenessTransactionResponse(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: TransactionInfo
    def __init__(self, transaction: _Optional[_Union[TransactionInfo, _Mapping]] = ...) -> None: ...

class DeleteLivenessTransactionRequest(_message.Message):
    __slots__ = ("transaction_id", "tag")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    tag: str
    def __init__(self, transaction_id: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class DeleteLivenessTransactionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartLivenessTransactionRequest(_message.Message):
    __slots__ = ("type", "tag", "metadata", "tenant", "env")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    type: int
    tag: str
    metadata: _struct_pb2.Struct
    tenant: str
    env: str
    def __init__(self, type: _Optional[int] = ..., tag: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tenant: _Optional[str] = ..., env: _Optional[str] = ...) -> None: ...

class StartLivenessTransactionResponse(_message.Message):
    __slots__ = ("transaction_id", "tag", "type", "key", "expires_at", "ttl_seconds", "challenge", "min_frames", "max_frames", "max_frame_bytes", "max_video_bytes")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    MIN_FRAMES_FIELD_NUMBER: _ClassVar[int]
    MAX_FRAMES_FIELD_NUMBER: _ClassVar[int]
    MAX_FRAME_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_VIDEO_BYTES_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    tag: str
    type: int
    key: str
    expires_at: str
    ttl_seconds: int
    challenge: _containers.RepeatedScalarFieldContainer[str]
    min_frames: int
    max_frames: int
    max_frame_bytes: int
    max_video_bytes: int
    def __init__(self, transaction_id: _Optional[str] = ..., tag: _Optional[str] = ..., type: _Optional[int] = ..., key: _Optional[str] = ..., expires_at: _Optional[str] = ..., ttl_seconds: _Optional[int] = ..., challenge: _Optional[_Iterable[str]] = ..., min_frames: _Optional[int] = ..., max_frames: _Optional[int] = ..., max_frame_bytes: _Optional[int] = ..., max_video_bytes: _Optional[int] = ...) -> None: ...

class SubmitLivenessTransactionRequest(_message.Message):
    __slots__ = ("transaction_id", "nonce", "frames", "video", "signature")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    nonce: str
    frames: _containers.RepeatedScalarFieldContainer[bytes]
    video: bytes
    signature: str
    def __init__(self, transaction_id: _Optional[str] = ..., nonce: _Optional[str] = ..., frames: _Optional[_Iterable[bytes]] = ..., video: _Optional[bytes] = ..., signature: _Optional[str] = ...) -> None: ...

class SubmitLivenessTransactionResponse(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: TransactionInfo
    def __init__(self, transaction: _Optional[_Union[TransactionInfo, _Mapping]] = ...) -> None: ...

class GetLivenessMediaRequest(_message.Message):
    __slots__ = ("transaction_id", "name")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    name: str
    def __init__(self, transaction_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetLivenessMediaResponse(_message.Message):
    __slots__ = ("media",)
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    media: _httpbody_pb2.HttpBody
    def __init__(self, media: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class CheckLivenessRequest(_message.Message):
    __slots__ = ("tag", "frames", "type", "metadata", "tenant", "env")
    TAG_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    tag: str
    frames: _containers.RepeatedScalarFieldContainer[bytes]
    type: int
    metadata: _struct_pb2.Struct
    tenant: str
    env: str
    def __init__(self, tag: _Optional[str] = ..., frames: _Optional[_Iterable[bytes]] = ..., type: _Optional[int] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tenant: _Optional[str] = ..., env: _Optional[str] = ...) -> None: ...

class CheckLivenessResponse(_message.Message):
    __slots__ = ("transaction", "score")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    transaction: TransactionInfo
    score: float
    def __init__(self, transaction: _Optional[_Union[TransactionInfo, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class GetTransactionPortraitRequest(_message.Message):
    __slots__ = ("transaction_id", "tenant")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    tenant: str
    def __init__(self, transaction_id: _Optional[str] = ..., tenant: _Optional[str] = ...) -> None: ...

class DeleteTenantRequest(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    def __init__(self, tenant: _Optional[str] = ...) -> None: ...

class DeleteTenantResponse(_message.Message):
    __slots__ = ("deleted_transactions",)
    DELETED_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    deleted_transactions: int
    def __init__(self, deleted_transactions: _Optional[int] = ...) -> None: ...

class GetTransactionPortraitResponse(_message.Message):
    __slots__ = ("transaction", "portrait", "content_type")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    PORTRAIT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    transaction: TransactionInfo
    portrait: bytes
    content_type: str
    def __init__(self, transaction: _Optional[_Union[TransactionInfo, _Mapping]] = ..., portrait: _Optional[bytes] = ..., content_type: _Optional[str] = ...) -> None: ...

class TransactionInfo(_message.Message):
    __slots__ = ("code", "status", "tag", "transaction_id", "video", "age", "portrait", "metadata", "type", "failed_checks")
    CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    AGE_FIELD_NUMBER: _ClassVar[int]
    PORTRAIT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FAILED_CHECKS_FIELD_NUMBER: _ClassVar[int]
    code: int
    status: int
    tag: str
    transaction_id: str
    video: str
    age: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    portrait: str
    metadata: _struct_pb2.Struct
    type: int
    failed_checks: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, code: _Optional[int] = ..., status: _Optional[int] = ..., tag: _Optional[str] = ..., transaction_id: _Optional[str] = ..., video: _Optional[str] = ..., age: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ..., portrait: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., type: _Optional[int] = ..., failed_checks: _Optional[_Iterable[str]] = ...) -> None: ...
