from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class DeleteTenantRequest(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    def __init__(self, tenant: _Optional[str] = ...) -> None: ...

class DeleteTenantResponse(_message.Message):
    __slots__ = ("deleted_persons", "deleted_groups", "pending_persons")
    DELETED_PERSONS_FIELD_NUMBER: _ClassVar[int]
    DELETED_GROUPS_FIELD_NUMBER: _ClassVar[int]
    PENDING_PERSONS_FIELD_NUMBER: _ClassVar[int]
    deleted_persons: int
    deleted_groups: int
    pending_persons: int
    def __init__(self, deleted_persons: _Optional[int] = ..., deleted_groups: _Optional[int] = ..., pending_persons: _Optional[int] = ...) -> None: ...
