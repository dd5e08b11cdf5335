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

import numpy as np

from libs.errors import FaceSDKResultCode, InvalidRequestError, TooFewImagesError
from libs.identification.context import IdentificationContext
from libs.identification.photos import load_upload
from libs.identification.probe import describe
from libs.identification.ranking import RankQuery, checked_query, rank_persons
from libs.identification.records import PersonMatch, Upload
from libs.identification.repository.groups import require_groups
from libs.identification.values import checked_ids
from libs.usecases import FaceComparison, FaceDescriptor, FaceFinding
from libs.usecases.match import ComparedImage, compare_images, image_source, liveness_portrait


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
    rank = checked_query(ctx, RankQuery(group_ids, query.threshold, query.limit))
    await require_groups(ctx.database, group_ids, ctx.tenant)
    photos = [await _photo(ctx, image, f"images[{position}]") for position, image in enumerate(query.images)]
    described = await describe(ctx, photos, detect_all=True)
    detections = []
    for index, image in enumerate(described.images):
        faces = []
        for face in image.faces:
            persons = await rank_persons(ctx, face.descriptor, described.model, rank)
            faces.append(FaceWithPersons(face.face, persons))
        detections.append(ImageOutcome(index, FaceSDKResultCode(image.status), tuple(faces)))
    compared = [
        ComparedImage(
            index, types[index], [face.face for face in image.faces], _descriptor_matrix(image.faces)
        )
        for index, image in enumerate(described.images)
    ]
    results = compare_images(compared)
    return MatchAndSearchOutcome(tuple(detections), results, (time.perf_counter() - started) * 1000.0)


def _descriptor_matrix(faces: Sequence[FaceDescriptor]) -> np.ndarray:
    # Empty for an image without faces, which `compare_images` leaves out.
    return np.array([face.descriptor for face in faces], dtype=np.float32)


def _image_type(image: MatchAndSearchImage, position: int) -> int:
    # Checked before anything is fetched, so a malformed request costs no call to liveness.
    if image.liveness_transaction_id and (image.content or image.image_url):
        raise InvalidRequestError(
            f"images[{position}]: give content, imageUrl or livenessTransactionId, only one of them"
        )
    return image_source(image.type, f"images[{position}]")


async def _photo(ctx: IdentificationContext, image: MatchAndSearchImage, where: str) -> bytes:
    if image.liveness_transaction_id:
        return await liveness_portrait(ctx.liveness, image.liveness_transaction_id, where, ctx.tenant)
    return (await load_upload(ctx, Upload(image.content, image.image_url), where)).data
