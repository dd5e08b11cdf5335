"""Photos as clients send them: inline bytes or a URL, the type to serve them with, the resize to store.

`resizeOptions` is honoured as far as it is unambiguous: the photo is only ever scaled down, keeping its
aspect ratio, to fit inside `width` × `height` (either may be absent), and re-encoded as JPEG at `quality`
(default 100) whenever any option is given. The descriptor is computed from the original photo, so resizing
changes what is stored and served, never what is found.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import cv2

from libs.config import ImageLimits
from libs.errors import InvalidRequestError
from libs.identification.context import IdentificationContext
from libs.identification.records import ResizeOptions, Upload
from libs.imaging import ImageFormat, decode_image, encode_jpeg, sniff_format

MEDIA_TYPES = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.BMP: "image/bmp",
    ImageFormat.TIFF: "image/tiff",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.JPEG2000: "image/jp2",
}


@dataclass(frozen=True, slots=True)
class LoadedPhoto:
    data: bytes
    kept: bool  # inline photos are stored; photos fetched from `imageUrl` are not


async def load_upload(ctx: IdentificationContext, upload: Upload, where: str = "image") -> LoadedPhoto:
    """The photo's bytes: `content`, or what `imageUrl` answers (downloaded under the fetch policy)."""
    if upload.content and upload.image_url:
        raise InvalidRequestError(f"{where}: give either content or imageUrl, not both")
    if upload.content:
        return LoadedPhoto(upload.content, kept=True)
    if upload.image_url:
        fetched = await ctx.fetch(upload.image_url)
        return LoadedPhoto(fetched.data, kept=False)
    raise InvalidRequestError(f"{where}.content (base64) or {where}.imageUrl is required")


def media_type(data: bytes) -> str:
    """What the bytes are, whatever the client declared (the type is served as Content-Type later)."""
    image_format = sniff_format(data)
    return "application/octet-stream" if image_format is None else MEDIA_TYPES[image_format]


def check_resize(options: ResizeOptions | None, where: str = "image.resizeOptions") -> None:
    if options is None:
        return
    for name, value in (("width", options.width), ("height", options.height)):
        if value is not None and value <= 0:
            raise InvalidRequestError(f"{where}.{name} must be > 0, got {value}")
    if options.quality is not None and not 1 <= options.quality <= 100:
        raise InvalidRequestError(f"{where}.quality must be 1..100, got {options.quality}")


async def photo_to_store(
    data: bytes, options: ResizeOptions | None, limits: ImageLimits
) -> tuple[bytes, str]:
    """The bytes to keep and their media type: the original, or the resized JPEG when options are given."""
    if options is None or (options.width, options.height, options.quality) == (None, None, None):
        return data, media_type(data)
    return await asyncio.to_thread(_resized_jpeg, data, options, limits), "image/jpeg"


def _resized_jpeg(data: bytes, options: ResizeOptions, limits: ImageLimits) -> bytes:
    image = decode_image(data, limits)  # upright (EXIF applied), so the JPEG needs no orientation tag
    height, width = image.shape[:2]
    scale = min(
        1.0,
        (options.width or width) / width,
        (options.height or height) / height,
    )
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return encode_jpeg(image, options.quality or 100)
