"""The same photo in every supported format gives the same face and the same descriptor.

The brief names an Einstein photo in BMP, JPEG, PNG and WebP; the test photo set has no such photo, so one
JPEG photo is re-encoded here into every other format, all decoded through `decode_image`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.faces import FaceEngine, cosine
from libs.imaging.decode import decode_image

pytestmark = pytest.mark.unit

SOURCE = "face_recognition/tests/test_images/obama.jpg"


def _cv2(extension: str, *params: int) -> Callable[[np.ndarray], bytes]:
    def encode(image: np.ndarray) -> bytes:
        ok, data = cv2.imencode(extension, image, list(params))
        assert ok
        return data.tobytes()

    return encode


# The WebP and JPEG 2000 copies are lossy (mean change 0.7-0.9 grey levels here). At WebP quality 90, which
# also halves the colour resolution, the descriptor moves further, to cosine 0.987.
ENCODERS = {
    "bmp": _cv2(".bmp"),
    "png": _cv2(".png"),
    "webp": _cv2(".webp", cv2.IMWRITE_WEBP_QUALITY, 100),
    "tiff": _cv2(".tiff"),
    "jpeg2000": _cv2(".jp2"),
}


@pytest.fixture(scope="module")
def jpeg_reference(faces_dir: Path, face_engine: FaceEngine) -> tuple[np.ndarray, tuple, np.ndarray]:
    image = decode_image((faces_dir / SOURCE).read_bytes())
    (face,) = face_engine.detect(image, only_central=True)
    return image, face.box, face_engine.describe(image, [face])[0]


@pytest.mark.parametrize("fmt", sorted(ENCODERS))
def test_every_format_gives_the_jpeg_face_and_descriptor(
    fmt: str, jpeg_reference: tuple[np.ndarray, tuple, np.ndarray], face_engine: FaceEngine
) -> None:
    pixels, box, descriptor = jpeg_reference
    decoded = decode_image(ENCODERS[fmt](pixels))
    assert decoded.shape == pixels.shape
    (face,) = face_engine.detect(decoded, only_central=True)
    np.testing.assert_allclose(face.box, box, atol=2.0)
    similarity = cosine(face_engine.describe(decoded, [face])[0], descriptor)
    print(f"{fmt}: cosine to the JPEG's descriptor {similarity:.4f}")
    assert similarity >= 0.99
