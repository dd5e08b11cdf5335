from google.api import annotations_pb2 as _annotations_pb2
from visage.common.v1 import annotations_pb2 as _annotations_pb2_1
from visage.identification.v1 import groups_pb2 as _groups_pb2
from visage.identification.v1 import match_and_search_pb2 as _match_and_search_pb2
from visage.identification.v1 import persons_pb2 as _persons_pb2
from visage.identification.v1 import search_pb2 as _search_pb2
from visage.identification.v1 import tenants_pb2 as _tenants_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
