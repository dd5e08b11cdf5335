"""Image decoding (untrusted bytes -> BGR array) and encoding (crops -> JPEG/PNG bytes)."""

from libs.imaging.decode import decode_image
from libs.imaging.encode import encode_jpeg, encode_png
from libs.imaging.formats import ImageFormat, sniff_format

__all__ = ["ImageFormat", "decode_image", "encode_jpeg", "encode_png", "sniff_format"]
