"""Encode BGR arrays (face crops, debug images) to JPEG or PNG bytes."""

from __future__ import annotations

import cv2
import numpy as np


def encode_jpeg(image: np.ndarray, quality: int = 95) -> bytes:
    """JPEG bytes of a BGR (H×W×3) or grayscale (H×W) uint8 image."""
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be 1-100, got {quality}")
    _check_image(image, channels=(1, 3))
    return _encode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])


def encode_png(image: np.ndarray, compression: int = 3) -> bytes:
    """Lossless PNG bytes of a BGR, BGRA or grayscale uint8 image; compression 0 (fastest) to 9 (smallest)."""
    if not 0 <= compression <= 9:
        raise ValueError(f"PNG compression must be 0-9, got {compression}")
    _check_image(image, channels=(1, 3, 4))
    return _encode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, compression])


def _check_image(image: np.ndarray, channels: tuple[int, ...]) -> None:
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    shown_channels = 1 if image.ndim == 2 else image.shape[2] if image.ndim == 3 else None
    if shown_channels not in channels or image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"expected a non-empty H×W or H×W×{channels} image, got shape {image.shape}")


def _encode(extension: str, image: np.ndarray, params: list[int]) -> bytes:
    ok, encoded = cv2.imencode(extension, image, params)
    if not ok:
        raise ValueError(f"OpenCV could not encode a {image.shape} image as {extension}")
    return encoded.tobytes()
