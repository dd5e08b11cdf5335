"""Names, keys and content types of the objects a transaction stores: portrait, frames, video."""

from __future__ import annotations

import re

from libs.errors import InvalidRequestError
from libs.imaging import ImageFormat, sniff_format

PORTRAIT = "portrait"
VIDEO = "video"
_FRAME_NAME = re.compile(r"frame-(\d{1,3})")

_IMAGE_TYPES = {
    ImageFormat.JPEG: ("image/jpeg", "jpg"),
    ImageFormat.PNG: ("image/png", "png"),
    ImageFormat.WEBP: ("image/webp", "webp"),
    ImageFormat.BMP: ("image/bmp", "bmp"),
    ImageFormat.TIFF: ("image/tiff", "tif"),
    ImageFormat.JPEG2000: ("image/jp2", "jp2"),
}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # WebM (Matroska) files start with an EBML header


def frame_name(index: int) -> str:
    return f"frame-{index}"


def is_media_name(name: str) -> bool:
    return name in (PORTRAIT, VIDEO) or _FRAME_NAME.fullmatch(name) is not None


def frame_type(data: bytes, where: str) -> tuple[str, str]:
    """(content type, file extension) of an encoded frame; InvalidRequestError for anything else."""
    image_format = sniff_format(data)
    if image_format is None:
        raise InvalidRequestError(f"{where}: not an image (JPEG, PNG, WebP, BMP, TIFF or JPEG 2000 expected)")
    return _IMAGE_TYPES[image_format]


def video_type(data: bytes) -> tuple[str, str]:
    """(content type, extension) of a session video: WebM (what browsers record) or MP4 (Safari, phones)."""
    if data.startswith(_EBML_MAGIC):
        return "video/webm", "webm"
    if data[4:8] == b"ftyp":
        return "video/mp4", "mp4"
    raise InvalidRequestError("video: not a WebM or MP4 file")


def object_key(prefix: str, name: str, extension: str) -> str:
    return f"{prefix}{name}.{extension}"
