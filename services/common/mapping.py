"""Proto ↔ domain for the messages of `visage.common.v1` that several services use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from visage.common.v1 import comparison_pb2, geometry_pb2, image_pb2

from libs.faces.types import Point
from libs.usecases import CropRequest, FaceComparison


def crop_request(params: image_pb2.OutputImageParams) -> CropRequest | None:
    """`outputImageParams.crop` as sent, or None when absent (then no portraits are made)."""
    if not params.HasField("crop"):
        return None
    crop = params.crop
    return CropRequest(
        type=crop.type if crop.HasField("type") else None,
        pad_color=tuple(crop.pad_color),
        size=tuple(crop.size),
    )


def points(landmarks: Sequence[Point]) -> list[geometry_pb2.Point]:
    return [geometry_pb2.Point(x=x, y=y) for x, y in landmarks]


def comparison_results(pairs: Iterable[FaceComparison]) -> list[comparison_pb2.MatchImageResult]:
    """Face pairs as /api/match and /api/match_and_search report them (`score` is the distance)."""
    return [
        comparison_pb2.MatchImageResult(
            first_index=pair.first_index,
            first_face_index=pair.first_face_index,
            first=pair.first_type,  # type: ignore[arg-type]  (ImageSource numbers are the proto enum's)
            second_index=pair.second_index,
            second_face_index=pair.second_face_index,
            second=pair.second_type,  # type: ignore[arg-type]
            score=pair.distance,
            similarity=pair.similarity,
        )
        for pair in pairs
    ]
