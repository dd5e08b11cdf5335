from visage.common.v1 import image_pb2 as _image_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MatchImageResult(_message.Message):
    __slots__ = ("first_index", "first_face_index", "first", "second_index", "second_face_index", "second", "score", "similarity")
    FIRST_INDEX_FIELD_NUMBER: _ClassVar[int]
    FIRST_FACE_INDEX_FIELD_NUMBER: _ClassVar[int]
    FIRST_FIELD_NUMBER: _ClassVar[int]
    SECOND_INDEX_FIELD_NUMBER: _ClassVar[int]
    SECOND_FACE_INDEX_FIELD_NUMBER: _ClassVar[int]
    SECOND_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    first_index: int
    first_face_index: int
    first: _image_pb2.ImageSource
    second_index: int
    second_face_index: int
    second: _image_pb2.ImageSource
    score: float
    similarity: float
    def __init__(self, first_index: _Optional[int] = ..., first_face_index: _Optional[int] = ..., first: _Optional[_Union[_image_pb2.ImageSource, str]] = ..., second_index: _Optional[int] = ..., second_face_index: _Optional[int] = ..., second: _Optional[_Union[_image_pb2.ImageSource, str]] = ..., score: _Optional[float] = ..., similarity: _Optional[float] = ...) -> None: ...
