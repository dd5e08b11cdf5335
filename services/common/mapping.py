"""Proto ↔ domain for the messages of `visage.common.v1` that several services use."""

from __future__ import annotations

from collections.abc import Sequence

from visage.common.v1 import geometry_pb2, image_pb2

from libs.faces.types import Point
from libs.usecases import CropRequest


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
