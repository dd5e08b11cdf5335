"""Faces and descriptors of photos, through the `DescriptorSource` port, with refusals as domain errors."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from libs.errors import EmptyImageError, FaceNotDetectedError, FaceSDKResultCode, ImageError
from libs.identification.context import IdentificationContext
from libs.usecases import (
    CropRequest,
    DescriptorImage,
    DescriptorsRequest,
    DescriptorsResult,
    ImageDescriptors,
)


async def describe(
    ctx: IdentificationContext, photos: Sequence[bytes], detect_all: bool, crop: CropRequest | None = None
) -> DescriptorsResult:
    request = DescriptorsRequest(tuple(DescriptorImage(data, detect_all) for data in photos), crop)
    return await ctx.descriptors.describe(request)


async def describe_one(
    ctx: IdentificationContext,
    photo: bytes,
    where: str,
    detect_all: bool = False,
    crop: CropRequest | None = None,
) -> tuple[ImageDescriptors, str]:
    """The faces of one photo that must show one (central face first) and the descriptor model id."""
    result = await describe(ctx, [photo], detect_all, crop)
    image = result.images[0]
    raise_for_status(image.status, where)
    return image, result.model


def raise_for_status(status: int, where: str) -> None:
    """The domain error for a photo the source refused or found no face in."""
    if status == FaceSDKResultCode.FACER_OK:
        return
    if status == FaceSDKResultCode.FR_FACE_NOT_DETECTED:
        raise FaceNotDetectedError(f"{where}: no face found in the photo")
    if status == FaceSDKResultCode.FR_IMAGE_EMPTY:
        raise EmptyImageError(f"{where}: the image is empty")
    error = ImageError(f"{where}: the image could not be decoded (BMP, PNG, JPEG, TIFF, WebP, JPEG 2000)")
    with contextlib.suppress(ValueError):  # keep the class's code for a status this version does not know
        error.result_code = FaceSDKResultCode(status)
    raise error
