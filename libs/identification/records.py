"""What identification stores and answers: persons, groups, images, pages. Plain values, no storage details.

Timestamps are epoch milliseconds UTC (`libs.identification.timefmt` renders them for the API).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

JsonObject = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    external_id: str | None
    metadata: JsonObject
    groups: tuple[str, ...]  # group ids, in the order the person joined them
    created_at: int
    updated_at: int | None
    expire_at: int | None  # None = never expires


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    metadata: JsonObject
    created_at: int
    updated_at: int | None


@dataclass(frozen=True, slots=True)
class Image:
    id: str
    person_id: str
    content_type: str
    object_key: str | None  # None = the photo was not kept (added by imageUrl)
    metadata: JsonObject
    created_at: int
    updated_at: int | None

    @property
    def path(self) -> str:
        """Regula `path`: where the photo lies in the image store; "" when it was not kept."""
        return self.object_key or ""

    @property
    def url(self) -> str:
        """Regula `url`: the API path that serves the photo."""
        return f"/api/persons/{self.person_id}/images/{self.id}"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    page: int  # 1-based, as asked
    total_pages: int  # 0 when there are no items at all


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int | None = None  # None = 1
    size: int | None = None  # None = 1000


@dataclass(frozen=True, slots=True)
class PersonFields:
    """Regula PersonFields (create)."""

    name: str
    external_id: str | None = None
    metadata: JsonObject = field(default_factory=dict)
    groups: Sequence[str] = ()
    expire_at: str | None = None  # ISO 8601; wins over `ttl`
    ttl: int | None = None  # legacy: lifetime in seconds


@dataclass(frozen=True, slots=True)
class PersonChanges:
    """Regula PersonToUpdateFields: None (or empty `groups`) = unchanged."""

    name: str | None = None
    external_id: str | None = None
    metadata: JsonObject | None = None
    groups: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class GroupFields:
    name: str
    metadata: JsonObject | None = None  # None = `{}` on create, unchanged on update


@dataclass(frozen=True, slots=True)
class ResizeOptions:
    width: int | None = None
    height: int | None = None
    quality: int | None = None  # JPEG quality 1..100; None = 100


@dataclass(frozen=True, slots=True)
class Upload:
    """A photo as the client sent it: bytes, or a URL to fetch them from."""

    content: bytes = b""
    image_url: str = ""
    content_type: str = ""  # as declared; the stored type is sniffed from the bytes
    resize: ResizeOptions | None = None


@dataclass(frozen=True, slots=True)
class ScoredImage:
    """A stored image that matched a probe face."""

    image: Image
    distance: float  # L2 between unit descriptors, 0..2, lower = more alike
    similarity: float  # 0..1, 0.5 at the same-person threshold
    content: bytes | None = None  # the photo, only when asked (`withImages`) and kept


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """One person found for one probe face, with the images that matched, best first."""

    person: Person
    images: tuple[ScoredImage, ...]

    @property
    def distance(self) -> float:
        return self.images[0].distance
