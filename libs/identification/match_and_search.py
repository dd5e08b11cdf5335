"""POST /api/match_and_search: compare the faces of 2+ photos with each other and search each one (1:N).

Descriptors are computed once, in one batch, for every face of every photo. Comparisons are made between
faces of different photos, pair by pair as /api/match reports them; each face is then searched like
/api/search (threshold, limit, groups). A photo that cannot be decoded or shows no face gets its own
`status` and takes part in nothing else; it does not fail the call.

An image may name a liveness transaction (`livenessTransactionId`, Regula 8.3) in place of `content` or
`imageUrl`: the transaction's portrait is used, as /api/match does (`libs.usecases.match.liveness_portrait`:
404 for an unknown transaction, 400 unless its liveness was confirmed, 503 without a liveness service).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from libs.errors import FaceSDKResultCode, InvalidRequestError, TooFewImagesError
from libs.faces.compare import cosine_matrix, distance_from_cosine, similarity_from_cosine
from libs.identification.context import IdentificationContext
from libs.identification.photos import load_upload
from libs.identification.probe import describe, vector_of
from libs.identification.ranking import RankQuery, checked_query, rank_persons
from libs.identification.records import PersonMatch, Upload
from libs.identification.repository.groups import require_groups
from libs.identification.values import checked_ids
from libs.usecases import FaceComparison, FaceFinding
from libs.usecases.match import DEFAULT_IMAGE_SOURCE, IMAGE_SOURCES, liveness_portrait


@dataclass(frozen=True, slots=True)
class MatchAndSearchImage:
    content: bytes = b""
    image_url: str = ""
    type: int | None = None  # ImageSource 1..7; None or 0 = 3 (LIVE)
    liveness_transaction_id: str | None = None  # use this liveness transaction's portrait as `content`


@dataclass(frozen=True, slots=True)
class MatchAndSearchQuery:
    images: Sequence[MatchAndSearchImage]
    group_ids: Sequence[str] = ()
    threshold: float | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class FaceWithPersons:
    face: FaceFinding
    persons: tuple[PersonMatch, ...]


@dataclass(frozen=True, slots=True)
class ImageOutcome:
    image_index: int  # position in the request
    status: FaceSDKResultCode
    faces: tuple[FaceWithPersons, ...]


@dataclass(frozen=True, slots=True)
class MatchAndSearchOutcome:
    detections: tuple[ImageOutcome, ...]
    results: tuple[FaceComparison, ...]
    elapsed_ms: float


async def match_and_search(ctx: IdentificationContext, query: MatchAndSearchQuery) -> MatchAndSearchOutcome:
    started = time.perf_counter()
    if len(query.images) < 2:
        raise TooFewImagesError(f"at least 2 images are needed, got {len(query.images)}")
    types = [_image_type(image, position) for position, image in enumerate(query.images)]
    group_ids = checked_ids(list(query.group_ids), "groupIds[]")
    rank = RankQuery(group_ids, query.threshold, query.limit)
    checked_query(ctx, rank)
    await require_groups(ctx.database, group_ids)
    photos = [await _photo(ctx, image, f"images[{position}]") for position, image in enumerate(query.images)]
    described = await describe(ctx, photos, detect_all=True)
    detections = []
    for index, image in enumerate(described.images):
        faces = []
        for face in image.faces:
            persons = await rank_persons(ctx, vector_of(face), described.model, rank)
            faces.append(FaceWithPersons(face.face, persons))
        detections.append(ImageOutcome(index, FaceSDKResultCode(image.status), tuple(faces)))
    vectors = [np.array([vector_of(face) for face in image.faces]) for image in described.images]
    results = tuple(
        comparison
        for first, second in combinations(range(len(detections)), 2)
        for comparison in _compare(first, second, types, vectors, detections)
    )
    return MatchAndSearchOutcome(tuple(detections), results, (time.perf_counter() - started) * 1000.0)


def _image_type(image: MatchAndSearchImage, position: int) -> int:
    # Checked before anything is fetched, so a malformed request costs no call to liveness.
    if image.liveness_transaction_id and (image.content or image.image_url):
        raise InvalidRequestError(
            f"images[{position}]: give content, imageUrl or livenessTransactionId, only one of them"
        )
    source = image.type or DEFAULT_IMAGE_SOURCE
    if source not in IMAGE_SOURCES:
        raise InvalidRequestError(f"images[{position}].type must be an ImageSource 1..7, got {source}")
    return source


async def _photo(ctx: IdentificationContext, image: MatchAndSearchImage, where: str) -> bytes:
    if image.liveness_transaction_id:
        return await liveness_portrait(ctx.liveness, image.liveness_transaction_id, where)
    return (await load_upload(ctx, Upload(image.content, image.image_url), where)).data


def _compare(
    first: int,
    second: int,
    types: Sequence[int],
    vectors: Sequence[np.ndarray],
    detections: Sequence[ImageOutcome],
) -> list[FaceComparison]:
    if not detections[first].faces or not detections[second].faces:
        return []
    cosines = cosine_matrix(vectors[first], vectors[second])
    distances, similarities = distance_from_cosine(cosines), similarity_from_cosine(cosines)
    return [
        FaceComparison(
            first_index=first,
            first_face_index=a.face.face_index,
            first_type=types[first],
            second_index=second,
            second_face_index=b.face.face_index,
            second_type=types[second],
            distance=float(distances[i, j]),  # type: ignore[index]
            similarity=float(similarities[i, j]),  # type: ignore[index]
        )
        for i, a in enumerate(detections[first].faces)
        for j, b in enumerate(detections[second].faces)
    ]
