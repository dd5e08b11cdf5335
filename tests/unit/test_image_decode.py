"""decode_image on real photos in every supported format, EXIF orientation, broken and hostile inputs."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image, ImageFile, ImageOps

from libs.config import ImageLimits
from libs.errors import (
    CorruptImageError,
    EmptyImageError,
    ImageTooLargeError,
    UnsupportedImageFormatError,
)
from libs.imaging import decode_image, encode_jpeg, encode_png
from tests.paths import FACES_DIR, MODELS_DIR

pytestmark = pytest.mark.unit

BROKEN_DIR = FACES_DIR / "compreface/embedding-calculator/src/services/imgtools/test/files"
SPOOF_SAMPLES = FACES_DIR / "silent-face-anti-spoofing/images/sample"
REPO_ROOT = Path(__file__).resolve().parents[2]
ORIENTATION = 0x0112


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _mean_diff(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    """A real face photo, small enough that every encoder is quick."""
    with Image.open(FACES_DIR / "face_recognition/examples/obama-720p.jpg") as image:
        return image.convert("RGB").resize((400, 225), Image.Resampling.LANCZOS)


@pytest.fixture(scope="module")
def photo_bgr(photo: Image.Image) -> np.ndarray:
    return np.asarray(photo)[:, :, ::-1]


# (file name, Pillow format, save options, allowed mean difference per channel value)
FORMATS = [
    ("photo.bmp", "BMP", {}, 0.0),
    ("photo.png", "PNG", {}, 0.0),
    ("photo.jpg", "JPEG", {"quality": 95}, 2.5),
    ("photo.tif", "TIFF", {"compression": "tiff_lzw"}, 0.0),
    ("photo.webp", "WEBP", {"lossless": True}, 0.0),
    ("photo_lossy.webp", "WEBP", {"quality": 90}, 3.0),
    ("photo.jp2", "JPEG2000", {"irreversible": False}, 0.0),
    ("photo.j2k", "JPEG2000", {"no_jp2": True}, 0.0),
]


@pytest.mark.parametrize(("name", "fmt", "options", "tolerance"), FORMATS, ids=[f[0] for f in FORMATS])
def test_every_format_decodes_to_the_same_pixels(
    tmp_path: Path,
    photo: Image.Image,
    photo_bgr: np.ndarray,
    name: str,
    fmt: str,
    options: dict,
    tolerance: float,
) -> None:
    path = tmp_path / name
    photo.save(path, fmt, **options)
    image = decode_image(path.read_bytes())
    assert image.dtype == np.uint8 and image.flags.c_contiguous
    assert image.shape == (225, 400, 3)
    assert _mean_diff(image, photo_bgr) <= tolerance


@pytest.mark.parametrize("tile", [(16, 16), (32, 32)])
def test_tiled_tiff_decodes(photo: Image.Image, photo_bgr: np.ndarray, tile: tuple[int, int]) -> None:
    # OpenCV 5 refuses uncompressed 16x16 tiles written by tifffile; Pillow, which decodes TIFF here, doesn't.
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.asarray(photo), photometric="rgb", tile=tile)
    assert _mean_diff(decode_image(buffer.getvalue()), photo_bgr) == 0.0


def _jpeg_with_orientation(photo: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return _save(photo, "JPEG", quality=95, exif=exif.tobytes())


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_once(photo: Image.Image, orientation: int) -> None:
    data = _jpeg_with_orientation(photo, orientation)
    with Image.open(io.BytesIO(data)) as stored:
        expected = np.asarray(ImageOps.exif_transpose(stored).convert("RGB"))[:, :, ::-1]
    image = decode_image(data)
    assert image.shape == ((225, 400, 3) if orientation <= 4 else (400, 225, 3))
    assert _mean_diff(image, expected) <= 0.5


def _tiff_tiled(photo: Image.Image, orientation: int) -> bytes:
    buffer = io.BytesIO()
    pixels = np.asarray(photo)
    tifffile.imwrite(
        buffer, pixels, photometric="rgb", tile=(32, 32), extratags=[(ORIENTATION, "H", 1, orientation)]
    )
    return buffer.getvalue()


@pytest.mark.parametrize(
    "encode",
    [
        lambda photo, exif: _save(photo, "PNG", exif=exif),
        lambda photo, exif: _save(photo.convert("RGBA"), "PNG", exif=exif),
        lambda photo, exif: _save(photo, "WEBP", lossless=True, exif=exif),
        lambda photo, exif: _save(photo, "TIFF", tiffinfo={ORIENTATION: 6}),
        lambda photo, exif: _tiff_tiled(photo, 6),
    ],
    ids=["png", "png-rgba", "webp", "tiff-strips", "tiff-tiles"],
)
def test_orientation_in_other_formats_is_applied_once(photo: Image.Image, encode) -> None:
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = encode(photo, exif)
    stored = np.asarray(photo)[:, :, ::-1]
    image = decode_image(data)
    expected = np.rot90(stored, k=-1)  # 6 = rotate 90° clockwise to view
    assert image.shape == expected.shape
    assert _mean_diff(image, expected) == 0.0


def _stored_pixels(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)


def _best_face_score(detector: cv2.FaceDetectorYN, image: np.ndarray) -> float:
    detector.setInputSize((image.shape[1], image.shape[0]))
    _, faces = detector.detect(image)
    return 0.0 if faces is None else float(faces[:, 14].max())


@pytest.mark.parametrize("name", ["image_F1.jpg", "image_F2.jpg", "image_T1.jpg"])
def test_anti_spoofing_samples_come_out_upright(name: str) -> None:
    # LABELS.csv says exif_orientation=2 (mirrored), but these files carry orientation 6 (rotate 90°
    # clockwise), in EXIF and XMP alike. The decoder follows the file; the detector confirms it is upright.
    data = (SPOOF_SAMPLES / name).read_bytes()
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.getexif()[ORIENTATION] == 6
    raw = _stored_pixels(data)
    image = decode_image(data)
    assert raw.shape == (480, 640, 3) and image.shape == (640, 480, 3)
    assert np.array_equal(image, np.rot90(raw, k=-1))

    detector = cv2.FaceDetectorYN.create(
        str(MODELS_DIR / "face_detection_yunet_2023mar.onnx"), "", (320, 320), score_threshold=0.3
    )
    upright = _best_face_score(detector, image)
    assert upright > 0.9
    assert upright > _best_face_score(detector, raw) + 0.05
    assert upright > _best_face_score(detector, np.rot90(raw, k=1).copy()) + 0.05


@pytest.mark.parametrize("name", ["image_F1.jpg", "image_T1.jpg"])
def test_anti_spoofing_sample_tagged_mirrored_is_mirrored(name: str) -> None:
    data = (SPOOF_SAMPLES / name).read_bytes()
    # The IFD0 entry: tag 0x0112, type SHORT, count 1, value 6 (little-endian TIFF header "II").
    entry = b"\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00"
    assert data.count(entry) == 1
    mirrored = data.replace(entry, entry[:-2] + b"\x02\x00")
    assert np.array_equal(decode_image(mirrored), _stored_pixels(data)[:, ::-1])


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        # empty.png holds the five bytes "test\n": text, not a damaged PNG.
        ("empty.png", UnsupportedImageFormatError, "unsupported image format (text)"),
        # corrupted.png has a PNG signature and a broken IHDR chunk.
        ("corrupted.png", CorruptImageError, "image is truncated or corrupted (PNG)"),
        ("truncated.jpg", CorruptImageError, "image is truncated or corrupted (JPEG)"),
    ],
)
def test_broken_sample_files_raise_typed_errors(name: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        decode_image((BROKEN_DIR / name).read_bytes())


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # Pillow, reading a cut TIFF
@pytest.mark.parametrize(("name", "fmt", "options", "tolerance"), FORMATS, ids=[f[0] for f in FORMATS])
def test_truncated_copies_of_every_format_are_refused(
    photo: Image.Image, name: str, fmt: str, options: dict, tolerance: float
) -> None:
    data = _save(photo, fmt, **options)
    for fraction in (0.5, 0.97):
        with pytest.raises(CorruptImageError, match="truncated or corrupted"):
            decode_image(data[: int(len(data) * fraction)])


def test_truncated_image_with_alpha_is_refused(photo: Image.Image) -> None:
    data = _save(photo.convert("RGBA"), "PNG")
    with pytest.raises(CorruptImageError):
        decode_image(data[: len(data) * 3 // 4])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_empty_bytes_are_refused() -> None:
    with pytest.raises(EmptyImageError, match="image is empty"):
        decode_image(b"")


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda photo: np.random.default_rng(7).bytes(4096), "unknown data"),
        (lambda photo: _save(photo, "GIF"), "GIF"),
        (lambda photo: _save(photo, "PDF"), "PDF"),
        (lambda photo: b"BMW 320d, 2019, diesel\n" * 10, "text"),
        (lambda photo: b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
        (lambda photo: base64.b64encode(_save(photo, "JPEG")), "base64 text (decode it first)"),
        (lambda photo: b"\x00\x00\x00\x18ftypheic" + bytes(64), "HEIC"),
    ],
    ids=["random", "gif", "pdf", "text", "svg", "base64", "heic"],
)
def test_unsupported_bytes_are_refused_and_named(photo: Image.Image, make, named: str) -> None:
    with pytest.raises(UnsupportedImageFormatError) as raised:
        decode_image(make(photo))
    assert raised.value.message == (
        f"unsupported image format ({named}); send one of BMP, PNG, JPEG, TIFF, WebP, JPEG 2000"
    )


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _bomb_png(width: int, height: int) -> bytes:
    """A valid-looking RGB PNG header declaring width×height, with a few KB of zeros as pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 4_000_000, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def test_png_bomb_is_refused_fast_and_without_allocating() -> None:
    # In a fresh interpreter, so its peak RSS says what this one call allocated.
    script = f"""
import json, resource, time
from libs.imaging import decode_image
from libs.errors import ImageTooLargeError
data = {_bomb_png(100_000, 100_000)!r}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    decode_image(data)
    message = None
except ImageTooLargeError as error:
    message = error.message
seconds = time.perf_counter() - start
grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({{"message": message, "seconds": seconds, "grown_kib": grown_kib}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(result.stdout)
    assert report["message"] == "image is 100000x100000 = 10000 Mpx, the limit is 40 Mpx"
    assert report["seconds"] < 0.2  # decoding 10^10 pixels would take minutes
    assert report["grown_kib"] < 20_000


def test_jpeg_and_webp_bombs_are_refused_from_the_header(photo: Image.Image) -> None:
    jpeg = bytearray(_save(photo, "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 30000, 30000)  # height, width
    webp = bytearray(_save(photo, "WEBP", lossless=True, exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"))
    assert webp[12:16] == b"VP8X"
    webp[24:30] = (16383 - 1).to_bytes(3, "little") * 2
    for bomb, expected in [
        (jpeg, "image is 30000x30000 = 900 Mpx, the limit is 40 Mpx"),
        (webp, "image is 16383x16383 = 268 Mpx, the limit is 40 Mpx"),
    ]:
        start = time.perf_counter()
        with pytest.raises(ImageTooLargeError) as raised:
            decode_image(bytes(bomb))
        assert time.perf_counter() - start < 0.2
        assert raised.value.message == expected


def test_pixel_and_byte_limits_are_configurable(photo: Image.Image) -> None:
    data = _save(photo, "PNG")
    with pytest.raises(
        ImageTooLargeError, match=r"image is 400x225 = 90,000 pixels, the limit is 50,000 pixels"
    ):
        decode_image(data, ImageLimits(max_pixels=50_000))
    with pytest.raises(ImageTooLargeError, match=rf"image is {len(data):,} bytes, the limit is 10,000 bytes"):
        decode_image(data, ImageLimits(max_encoded_bytes=10_000))
    oversize = b"\xff\xd8\xff" + bytes(21 * 2**20)
    with pytest.raises(ImageTooLargeError, match="image is 21 MiB, the limit is 20 MiB"):
        decode_image(oversize)


def test_grayscale_and_16_bit_grayscale_come_out_as_three_equal_channels() -> None:
    gray = np.asarray(Image.open(FACES_DIR / "skimage/skimage/data/camera.png"))
    assert gray.ndim == 2
    tiff_16 = io.BytesIO()
    tifffile.imwrite(tiff_16, gray.astype(np.uint16) * 257)
    for data in (
        (FACES_DIR / "skimage/skimage/data/camera.png").read_bytes(),
        encode_png(gray),
        # 16-bit must scale to 8 bits, not clip at 255 (the PNG goes through OpenCV, the TIFF through Pillow).
        cv2.imencode(".png", gray.astype(np.uint16) * 257)[1].tobytes(),
        tiff_16.getvalue(),
    ):
        image = decode_image(data)
        assert image.shape == (*gray.shape, 3)
        for channel in range(3):
            assert np.array_equal(image[:, :, channel], gray)


def test_transparency_is_composited_on_white(photo: Image.Image, photo_bgr: np.ndarray) -> None:
    rgba = np.asarray(photo.convert("RGBA")).copy()
    rgba[:, :100, 3] = 0  # transparent
    rgba[:, 100:200, 3] = 128  # half
    image = decode_image(_save(Image.fromarray(rgba), "PNG"))
    assert image.shape == (225, 400, 3)
    assert (image[:, :100] == 255).all()
    half = (photo_bgr[:, 100:200].astype(np.float64) * 128 + 255 * 127) / 255
    assert np.abs(image[:, 100:200] - half).max() <= 1
    assert np.array_equal(image[:, 200:], photo_bgr[:, 200:])

    la = decode_image(_save(photo.convert("LA"), "PNG"))
    assert la.shape == (225, 400, 3)
    palette = photo.convert("P")
    transparent_index = palette.getpixel((0, 0))
    keyed = decode_image(_save(palette, "PNG", transparency=transparent_index))
    assert (keyed[0, 0] == 255).all()


def test_cmyk_jpeg_comes_out_as_bgr(photo: Image.Image, photo_bgr: np.ndarray) -> None:
    image = decode_image(_save(photo.convert("CMYK"), "JPEG", quality=95))
    assert image.shape == (225, 400, 3)
    assert _mean_diff(image, photo_bgr) < 3.0


def test_encoders_round_trip(photo_bgr: np.ndarray) -> None:
    assert np.array_equal(decode_image(encode_png(photo_bgr)), photo_bgr)
    assert _mean_diff(decode_image(encode_jpeg(photo_bgr, quality=95)), photo_bgr) < 2.5
    assert len(encode_jpeg(photo_bgr, quality=30)) < len(encode_jpeg(photo_bgr, quality=95))
    with pytest.raises(ValueError, match="quality"):
        encode_jpeg(photo_bgr, quality=0)
    with pytest.raises(ValueError, match="uint8"):
        encode_png(photo_bgr.astype(np.float32))
