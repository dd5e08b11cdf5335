"""POST /api/match: find the faces of 2+ images and compare every face with every face of the other images.

A refused image fails the whole call, its error naming the image (`images[1]: ...`); an image without a face
only gets status 2 and takes part in no comparison.

An image may name a liveness transaction (`livenessTransactionId`, Regula 8.3) in place of its data: before
`match_faces`, `resolve_liveness_images` swaps in that transaction's portrait, fetched through a
`LivenessPortraitSource` (the liveness service). Only a transaction whose liveness was confirmed gives one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from libs.config import ImageLimits
from libs.errors import (
    FaceSDKResultCode,
    ImagesCountLimitError,
    InvalidRequestError,
    LivenessNotConfirmedError,
    NotFoundError,
    TooFewImagesError,
    UnavailableError,
)
from libs.faces.compare import cosine_matrix, distance_from_cosine, similarity_from_cosine
from libs.faces.ports import FaceAnalyzer
from libs.tenants import DEFAULT_TENANT
from libs.usecases.faces import CropRequest, FaceFinding, analyze, crop_spec, decode
from libs.usecases.ports import LivenessPortraitSource

# Regula ImageSource, 1..7; an image without a type is a live capture, as Regula's own clients send it.
IMAGE_SOURCES = {
    1: "DOCUMENT_PRINTED",
    2: "DOCUMENT_RFID",
    3: "LIVE",
    4: "DOCUMENT_WITH_LIVE",
    5: "EXTERNAL",
    6: "GHOST",
    7: "BARCODE",
}
DEFAULT_IMAGE_SOURCE = 3
# Regula's `sdk.compare.limitPerImageTypes` default.
DEFAULT_LIMIT_PER_IMAGE_TYPE = 2


@dataclass(frozen=True, slots=True)
class MatchImage:
    """One input image as the client sent it; `None` = not given."""

    data: bytes = b""
    index: int | None = None  # unique, >= 0; None = its position
    type: int | None = None  # ImageSource 1..7; None or 0 = 3 (LIVE)
    detect_all: bool | None = None  # None = False: only the face nearest the centre
    liveness_transaction_id: str | None = None  # use this liveness transaction's portrait as `data`


@dataclass(frozen=True, slots=True)
class MatchRequest:
    images: Sequence[MatchImage]
    crop: CropRequest | None = None  # portraits of every detected face when given


@dataclass(frozen=True, slots=True)
class ImageDetections:
    image_index: int
    status: FaceSDKResultCode  # FACER_OK, or FR_FACE_NOT_DETECTED
    faces: tuple[FaceFinding, ...]  # central face first


@dataclass(frozen=True, slots=True)
class FaceComparison:
    first_index: int
    first_face_index: int
    first_type: int
    second_index: int
    second_face_index: int
    second_type: int
    distance: float  # L2 between unit descriptors, 0..2, 0 = identical (Regula's `score`)
    similarity: float  # 0..1, 0.5 at the same-person threshold


@dataclass(frozen=True, slots=True)
class MatchResult:
    code: FaceSDKResultCode
    detections: tuple[ImageDetections, ...]  # request order
    results: tuple[FaceComparison, ...]  # image pairs in request order, then face by face


@dataclass(frozen=True, slots=True)
class _Input:
    index: int
    type: int
    data: bytes
    detect_all: bool


def match_faces(
    engine: FaceAnalyzer,
    request: MatchRequest,
    limits: ImageLimits,
    limit_per_image_type: int = DEFAULT_LIMIT_PER_IMAGE_TYPE,
) -> MatchResult:
    """Check the request, then detect and describe image by image (the first refused image fails the call)."""
    inputs = checked_inputs(request.images, limit_per_image_type)
    spec = crop_spec(request.crop, "outputImageParams.crop")
    # Image by image, so one decoded image is held at a time (by default 14 images of 40 megapixels pass).
    analyzed = [
        analyze(engine, decode(item.data, limits, f"images[{position}]"), item.detect_all, spec)
        for position, item in enumerate(inputs)
    ]
    detections = tuple(
        ImageDetections(
            image_index=item.index,
            status=FaceSDKResultCode.FACER_OK if result.faces else FaceSDKResultCode.FR_FACE_NOT_DETECTED,
            faces=result.faces,
        )
        for item, result in zip(inputs, analyzed, strict=True)
    )
    compared = [
        ComparedImage(item.index, item.type, result.faces, result.descriptors)
        for item, result in zip(inputs, analyzed, strict=True)
    ]
    return MatchResult(FaceSDKResultCode.FACER_OK, detections, compare_images(compared))


def checked_inputs(images: Sequence[MatchImage], limit_per_image_type: int) -> list[_Input]:
    """Defaults applied and Regula's rules checked: 2+ images, unique indexes, a per-type limit."""
    if len(images) < 2:
        raise TooFewImagesError(f"at least 2 images are needed to compare faces, got {len(images)}")
    inputs: list[_Input] = []
    for position, image in enumerate(images):
        where = f"images[{position}]"
        if image.liveness_transaction_id:  # `resolve_liveness_images` replaces these before matching
            raise InvalidRequestError(f"{where}.livenessTransactionId was not resolved to a portrait")
        source = image_source(image.type, where)
        index = position if image.index is None else image.index
        if index < 0:
            raise InvalidRequestError(f"{where}.index must be >= 0, got {index}")
        inputs.append(_Input(index, source, image.data, bool(image.detect_all)))

    indexes = Counter(item.index for item in inputs)
    if repeated := sorted(index for index, count in indexes.items() if count > 1):
        raise InvalidRequestError(f"image indexes must be unique; used more than once: {repeated}")
    for source, count in sorted(Counter(item.type for item in inputs).items()):
        if count > limit_per_image_type:
            raise ImagesCountLimitError(
                f"at most {limit_per_image_type} images of one type per request; "
                f"got {count} of type {source} ({IMAGE_SOURCES[source]})"
            )
    return inputs


@dataclass(frozen=True, slots=True)
class ComparedImage:
    """One image's side of the comparisons: its index and ImageSource, its faces and their descriptors."""

    index: int
    type: int
    faces: Sequence[FaceFinding]
    descriptors: np.ndarray  # N×128, row i for faces[i]


def image_source(value: int | None, where: str) -> int:
    """The ImageSource of an input: 3 (LIVE) when not given; InvalidRequestError outside 1..7."""
    source = value or DEFAULT_IMAGE_SOURCE
    if source not in IMAGE_SOURCES:
        raise InvalidRequestError(f"{where}.type must be an ImageSource 1..7, got {source}")
    return source


def compare_images(images: Sequence[ComparedImage]) -> tuple[FaceComparison, ...]:
    """Every face of each image against every face of each later one: image pairs in request order, then
    face by face; an image without a face takes part in no comparison."""
    results = []
    for first, second in combinations(images, 2):
        if not first.faces or not second.faces:
            continue
        cosines = cosine_matrix(first.descriptors, second.descriptors)
        distances, similarities = distance_from_cosine(cosines), similarity_from_cosine(cosines)
        results += [
            FaceComparison(
                first_index=first.index,
                first_face_index=a.face_index,
                first_type=first.type,
                second_index=second.index,
                second_face_index=b.face_index,
                second_type=second.type,
                distance=float(distances[i, j]),
                similarity=float(similarities[i, j]),
            )
            for i, a in enumerate(first.faces)
            for j, b in enumerate(second.faces)
        ]
    return tuple(results)


async def liveness_portrait(
    source: LivenessPortraitSource | None, transaction_id: str, where: str, tenant: str
) -> bytes:
    """The portrait of a confirmed liveness transaction of the caller's `tenant`, for the input `where`
    (e.g. "images[0]").

    404 when the transaction does not exist, 400 when its liveness was not confirmed (or not decided yet),
    503 when this service has no liveness service to ask."""
    field = f"{where}.livenessTransactionId"
    if source is None:
        raise UnavailableError(
            f"{field}: this service is not connected to a liveness service (liveness_target)"
        )
    try:
        found = await source.portrait(transaction_id, tenant)
    except NotFoundError:
        raise NotFoundError(f"{field}: no liveness transaction {transaction_id}") from None
    if found.status is None:
        raise LivenessNotConfirmedError(f"{field}: liveness transaction {transaction_id} is not decided yet")
    if found.status != 0 or not found.data:
        raise LivenessNotConfirmedError(
            f"{field}: liveness transaction {transaction_id} did not confirm liveness "
            f"(status {found.status}, code {found.code})"
        )
    return found.data


async def resolve_liveness_images(
    request: MatchRequest, source: LivenessPortraitSource | None, tenant: str = DEFAULT_TENANT
) -> MatchRequest:
    """`request` with every image given by `livenessTransactionId` replaced by the portrait of that
    transaction of the caller's `tenant`."""
    if not any(image.liveness_transaction_id for image in request.images):
        return request
    images = []
    for position, image in enumerate(request.images):
        transaction_id = image.liveness_transaction_id
        if transaction_id:
            where = f"images[{position}]"
            if image.data:
                raise InvalidRequestError(f"{where}: give data or livenessTransactionId, not both")
            image = replace(
                image,
                data=await liveness_portrait(source, transaction_id, where, tenant),
                liveness_transaction_id=None,
            )
        images.append(image)
    return replace(request, images=tuple(images))
