"""The API's answers as typed objects: the Regula JSON shapes (camelCase on the wire, snake_case here).

Every model keeps the keys it does not name (`model_extra`), so an answer from a newer server still parses.
Nested parts that vary by request (quality checks, attributes, metadata) stay plain JSON.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Json = dict[str, Any]
Item = TypeVar("Item")


class Answer(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


# --- detect and match


class Face(Answer):
    """One face of `POST /api/detect`: box `[x, y, width, height]`, five `[x, y]` landmarks."""

    roi: list[float]
    landmarks: list[list[float]] = []
    crop: str | None = None  # base64, when `processParam.alignType` asked for it
    quality: Json | None = None  # when `processParam.quality` or a scenario asked for it
    attributes: Json | None = None  # when `processParam.attributes` asked for them


class DetectResult(Answer):
    detections: list[Face] = []
    detector_type: int = 0
    landmarks_type: int = 0
    scenario: str | None = None
    elapsed_time: float = 0.0


class Detection(Answer):
    """`POST /api/detect`: `code` 0 when the image was processed (`results.detections` empty: no face)."""

    code: int
    results: DetectResult | None = None


class MatchedFace(Answer):
    face_index: int = 0
    landmarks: list[list[float]] = []
    rotation_angle: float = 0.0
    roi: list[float] = []
    crop: str | None = None


class MatchedImage(Answer):
    """The faces found in one matched image; `status` 0 when it could be processed."""

    image_index: int = 0
    status: int = 0
    faces: list[MatchedFace] = []


class MatchPair(Answer):
    """One compared pair: `similarity` 0..1 (0.5 at the same-person threshold), `score` the distance."""

    first_index: int = 0
    first_face_index: int = 0
    first: int = 0
    second_index: int = 0
    second_face_index: int = 0
    second: int = 0
    score: float = 0.0
    similarity: float = 0.0


class Match(Answer):
    code: int
    detections: list[MatchedImage] = []
    results: list[MatchPair] = []
    metadata: Json = {}


# --- groups, persons, images


class Group(Answer):
    id: str
    name: str
    metadata: Json = {}
    created_at: str = ""


class Person(Answer):
    id: str
    name: str
    external_id: str | None = None
    metadata: Json = {}
    groups: list[str] = []
    expire_at: str | None = None
    created_at: str = ""
    updated_at: str | None = None


class PersonImage(Answer):
    """A photo enrolled to a person (its bytes: `VisageClient.get_person_image`)."""

    id: str
    content_type: str = ""
    created_at: str = ""
    updated_at: str | None = None
    path: str = ""
    url: str = ""
    metadata: Json = {}


class Page(Answer, Generic[Item]):
    """One page of a list route: `page` counts from 1, `total_pages` is how many there are."""

    items: list[Item] = []
    page: int = 1
    total_pages: int = 1


# --- search


class FoundImage(PersonImage):
    similarity: float = 0.0
    distance: float = 0.0


class SearchDetection(Answer):
    """The probe's face the search used."""

    code: int = 0
    roi: list[float] = []
    landmarks: list[list[float]] = []
    crop: str | None = None
    msg: str = ""
    version_sdk: str = Field("", alias="versionSDK")


class FoundPerson(Person):
    """A person the probe matches; `images` nearest first, each with its distance and similarity."""

    detection: SearchDetection | None = None
    images: list[FoundImage] = []


class SearchResult(Answer):
    """`POST /api/search`: the persons found, nearest first; or, when nobody was and `create_person` was
    asked for, the person made from the probe (`created_person`, and `persons` empty)."""

    code: int = 0
    persons: list[FoundPerson] = []
    created_person: FoundPerson | None = None


# --- liveness and the platform


class LivenessTransaction(Answer):
    """`GET /api/v2/liveness`: `status` 0 passed, 1 failed, None while undetermined."""

    transaction_id: str
    code: int = 0
    status: int | None = None
    tag: str = ""
    type: int = 0
    portrait: str | None = None  # link to the portrait (`GET /api/v2/liveness/media`)
    video: str | None = None
    age: list[Json] = []
    metadata: Json = {}
    failed_checks: list[str] = []


class Health(Answer):
    """`GET /api/healthz`: the gateway answers (says nothing about the backends)."""

    app: str
    version: str


class Readiness(Answer):
    """`GET /api/readyz`: ready when every backend is serving; `backends` maps each to its state."""

    ready: bool
    backends: dict[str, str] = {}
    message: str = ""
