"""POST /api/search: who is on the probe photo.

The probe's central face is searched (every face with `detectAll`; results then come face by face, each
face's list ranked and cut at `limit`). With `createPerson`, when no face matched anybody, a person is made
from the central face (in the searched groups, so the next search there finds them) with the probe as its
image, and the call answers 201 with it. A probe without a face is refused (400, FR_FACE_NOT_DETECTED).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from libs.errors import InvalidRequestError
from libs.faces.compare import similarity_from_cosine
from libs.identification.context import IdentificationContext
from libs.identification.images import Images
from libs.identification.persons import Persons
from libs.identification.photos import LoadedPhoto, check_resize, load_upload
from libs.identification.probe import describe_one
from libs.identification.ranking import RankQuery, checked_query, rank_persons
from libs.identification.records import PersonFields, PersonMatch, ScoredImage, Upload
from libs.identification.repository.groups import require_groups
from libs.identification.repository.images import NameFilter
from libs.identification.values import checked_ids, checked_name
from libs.usecases import CropRequest, FaceFinding, ImageDescriptors

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NewPerson:
    """Regula `createPerson`."""

    name: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    ttl: int | None = None


@dataclass(frozen=True, slots=True)
class SearchFilterSpec:
    """Regula `filter` as sent: op "in" | "nin", field (only "name" counts), values."""

    op: str
    field: str
    values: Sequence[str]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    image: Upload
    group_ids: Sequence[str] = ()
    threshold: float | None = None
    limit: int | None = None
    filter: SearchFilterSpec | None = None
    detect_all: bool = False
    with_images: bool = False
    create_person: NewPerson | None = None
    crop: CropRequest | None = None


@dataclass(frozen=True, slots=True)
class FaceMatches:
    face: FaceFinding  # index 0 = the central face
    persons: tuple[PersonMatch, ...]


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    faces: tuple[FaceMatches, ...]
    created: PersonMatch | None  # set when createPerson made a person (answer 201)
    image_hash: str  # sha256 hex of the probe bytes (Regula `detection.hash`)
    model: str  # descriptor model id


def name_filter(spec: SearchFilterSpec | None) -> NameFilter | None:
    """The SQL name filter; None for no filter or a field other than "name" (ignored, as Regula 8.3 does)."""
    if spec is None or not (spec.op or spec.field or spec.values):
        return None
    op = spec.op.strip().lower()
    if op not in ("in", "nin"):
        raise InvalidRequestError(f'filter.op must be "in" or "nin", got {spec.op!r}')
    if spec.field.strip().lower() != "name":
        return None
    return NameFilter(keep=op == "in", names=tuple(dict.fromkeys(spec.values)))


class Search:
    def __init__(self, ctx: IdentificationContext, persons: Persons, images: Images) -> None:
        self._ctx = ctx
        self._persons = persons
        self._images = images

    async def search(self, query: SearchQuery) -> SearchOutcome:
        group_ids = checked_ids(list(query.group_ids), "groupIds[]")
        names = name_filter(query.filter)
        # Bad values are refused before the expensive part.
        rank = checked_query(
            self._ctx, RankQuery(group_ids, query.threshold, query.limit, names, query.with_images)
        )
        check_resize(query.image.resize)
        if query.create_person is not None:
            checked_name(query.create_person.name, "createPerson.name")
        # The groups are looked up while the photo is described; an unknown group still answers first.
        photo, (described, model) = await _checked_first(
            require_groups(self._ctx.database, group_ids, self._ctx.tenant), self._describe(query)
        )
        faces = []
        for face in described.faces:
            persons = await rank_persons(self._ctx, face.descriptor, model, rank)
            faces.append(FaceMatches(face.face, persons))
        image_hash = hashlib.sha256(photo.data).hexdigest()
        created = None
        if query.create_person is not None and not any(face.persons for face in faces):
            new = query.create_person
            person = await self._persons.create(
                PersonFields(name=new.name, metadata=new.metadata, groups=group_ids, ttl=new.ttl)
            )
            central = described.faces[0]
            try:
                image = await self._images.enrol(
                    person.id, photo.data, photo.kept, query.image, central, model
                )
            except BaseException:
                with contextlib.suppress(Exception):  # a person without its face is no use to anybody
                    await self._persons.delete(person.id)
                raise
            content = None
            if query.with_images and photo.kept:
                content, _ = await self._images.photo(person.id, image.id)
            scored = ScoredImage(image, 0.0, float(similarity_from_cosine(1.0)), content)
            created = PersonMatch(person, (scored,))
        return SearchOutcome(tuple(faces), created, image_hash, model)

    async def _describe(self, query: SearchQuery) -> tuple[LoadedPhoto, tuple[ImageDescriptors, str]]:
        photo = await load_upload(self._ctx, query.image)
        described = await describe_one(
            self._ctx, photo.data, "image", detect_all=query.detect_all, crop=query.crop
        )
        return photo, described


async def _checked_first(check: Awaitable[None], work: Awaitable[T]) -> T:
    """`work`'s result, with `check` run alongside it; an error of `check` wins, as if it had run first."""
    checking = asyncio.ensure_future(check)
    try:
        result = await work
    except Exception:
        await checking
        raise
    except BaseException:
        checking.cancel()
        raise
    await checking
    return result
