"""Decoder fuzzing (hypothesis): mangled images of every format, and random bytes behind every format's
magic, reach `decode_image`. Each must decode to a sane picture or be refused with an `ImageError` (the API's
400/413): never another exception, never a crash of the process. A quick pass here (`make test`);
`VISAGE_FUZZ_EXAMPLES` runs more."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.config import ImageLimits
from libs.errors import ImageError
from libs.imaging.decode import decode_image

pytestmark = pytest.mark.unit

EXAMPLES = int(os.environ.get("VISAGE_FUZZ_EXAMPLES", "150"))
# Small limits: a mangled header that claims a huge picture is refused from the header, before decoding.
LIMITS = ImageLimits(max_encoded_bytes=2**20, max_pixels=2**22)


def _sample() -> np.ndarray:
    rng = np.random.default_rng(5)
    image = np.full((48, 64, 3), 128, np.uint8)
    cv2.circle(image, (32, 24), 14, (40, 90, 200), -1)
    return np.clip(image + rng.integers(-20, 20, image.shape), 0, 255).astype(np.uint8)


SEEDS = {
    extension: cv2.imencode(extension, _sample())[1].tobytes()
    for extension in (".bmp", ".png", ".jpg", ".tiff", ".webp", ".jp2")
}


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif data:
            data[at : at + draw(st.integers(1, 32))] = b"\x00" * min(32, len(data) - at)
    return bytes(data)


@st.composite
def magic_then_noise(draw: st.DrawFn) -> bytes:
    magic = draw(st.sampled_from([seed[:12] for seed in SEEDS.values()]))
    return magic + draw(st.binary(max_size=4096))


def _decodes_or_refuses(data: bytes) -> None:
    try:
        image = decode_image(data, LIMITS)
    except ImageError:
        return
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] * image.shape[1] <= LIMITS.max_pixels and image.flags["C_CONTIGUOUS"]


# No example database: the tests write nothing into the checkout.
FUZZ = settings(
    max_examples=EXAMPLES, deadline=5000, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FUZZ
@given(mangled())
def test_mangled_images_of_every_format_decode_or_are_refused(data: bytes) -> None:
    _decodes_or_refuses(data)


@FUZZ
@given(magic_then_noise())
def test_noise_behind_every_formats_magic_is_refused_cleanly(data: bytes) -> None:
    _decodes_or_refuses(data)


def test_the_seeds_themselves_decode() -> None:
    for extension, data in SEEDS.items():
        assert decode_image(data, LIMITS).shape == (48, 64, 3), extension
