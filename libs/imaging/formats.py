"""Identify an image format by its magic bytes, before any parser sees the data."""

from __future__ import annotations

import re
from enum import StrEnum


class ImageFormat(StrEnum):
    """The formats Visage decodes; the value is the name shown to users."""

    BMP = "BMP"
    PNG = "PNG"
    JPEG = "JPEG"
    TIFF = "TIFF"
    WEBP = "WebP"
    JPEG2000 = "JPEG 2000"


SUPPORTED_NAMES = ", ".join(f.value for f in ImageFormat)

_SIGNATURES: tuple[tuple[bytes, ImageFormat], ...] = (
    (b"\xff\xd8\xff", ImageFormat.JPEG),
    (b"\x89PNG\r\n\x1a\n", ImageFormat.PNG),
    (b"II*\x00", ImageFormat.TIFF),
    (b"MM\x00*", ImageFormat.TIFF),
    (b"II+\x00", ImageFormat.TIFF),  # BigTIFF
    (b"MM\x00+", ImageFormat.TIFF),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", ImageFormat.JPEG2000),  # .jp2 container
    (b"\xff\x4f\xff\x51", ImageFormat.JPEG2000),  # raw J2K codestream: SOC then SIZ
)

# Formats people do send, named so the error says what was received instead of "unknown bytes".
_KNOWN_UNSUPPORTED: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"%PDF", "PDF"),
    (b"8BPS", "Photoshop PSD"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x1f\x8b", "gzip"),
)
_ISO_BMFF_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF", b"msf1": "HEIF", b"avif": "AVIF"}


# "BM" alone is two letters of text; the size of the DIB header that follows the file header tells a real BMP.
_BMP_DIB_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}


def sniff_format(data: bytes) -> ImageFormat | None:
    """The supported format these bytes start with, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageFormat.WEBP
    if data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in _BMP_DIB_HEADER_SIZES:
        return ImageFormat.BMP
    for signature, image_format in _SIGNATURES:
        if data.startswith(signature):
            return image_format
    return None


def describe_unsupported(data: bytes) -> str:
    """A short name for bytes that are not a supported image ("GIF", "text", ...), for the error message."""
    for signature, name in _KNOWN_UNSUPPORTED:
        if data.startswith(signature):
            return name
    if data[4:8] == b"ftyp":
        return _ISO_BMFF_BRANDS.get(bytes(data[8:12]), "an ISO media file")
    head = bytes(data[:512])
    if _looks_like_text(head):
        text = head.decode("utf-8", errors="ignore")
        if "<svg" in text.lower():
            return "SVG"
        if _BASE64.fullmatch(text) and len(text.strip()) >= 16:
            return "base64 text (decode it first)"
        return "text"
    return "unknown data"


_BASE64 = re.compile(r"[A-Za-z0-9+/=_\-\s]+")


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is still text.
        if error.start < len(head) - 3:
            return False
        text = head[: error.start].decode("utf-8")
    return bool(text.strip()) and all(c.isprintable() or c.isspace() for c in text)


def webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a WebP's first chunk header, or None if the header is damaged.

    Read by hand because Pillow's WebP reader sizes its canvas buffers while opening the file.
    """
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None
