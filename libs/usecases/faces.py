"""Pieces the use cases share: decoding with the image's name in the error, face order, crop parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from libs.call_context import capped
from libs.config import ImageLimits
from libs.errors import ImageError
from libs.faces.crop import CropSpec, Redetect, checked_crop, crop_portrait, roll_degrees
from libs.faces.detector import most_central
from libs.faces.ports import FaceAnalyzer
from libs.faces.types import Face, Point
from libs.imaging import decode_image, encode_jpeg
from libs.quality import QualityReport
from libs.usecases.attributes import AttributesReport

CROP_JPEG_QUALITY = 95


@dataclass(frozen=True, slots=True)
class CropRequest:
    """Regula `outputImageParams.crop` as the client sent it; `crop_spec` checks the values."""

    type: int | None = None  # FaceImageQualityAlignType 0..4; None = 0 (3:4)
    pad_color: tuple[int, ...] = ()  # RGB; empty = white
    size: tuple[int, ...] = ()  # (width, height) px; empty = the photo's own resolution


@dataclass(frozen=True, slots=True)
class FaceFinding:
    """One face as every endpoint reports it, in pixels of the decoded (upright) image."""

    face_index: int  # 0-based within its image
    roi: tuple[float, float, float, float]  # x, y, width, height
    # image-left eye, image-right eye, nose tip, image-left and image-right mouth corners
    landmarks: tuple[Point, Point, Point, Point, Point]
    rotation_angle: float  # roll from the eye line, degrees, positive = clockwise
    detection_score: float  # 0..1
    crop: bytes | None  # JPEG portrait, when one was asked for
    quality: QualityReport | None = None  # when quality was asked for (/api/detect only)
    attributes: AttributesReport | None = None  # when attributes were asked for (/api/detect only)


def crop_spec(request: CropRequest | None, where: str = "outputImageParams.crop") -> CropSpec | None:
    """The checked crop parameters, or None when no crop was asked for."""
    return None if request is None else checked_crop(request.type, request.pad_color, request.size, where)


def decode(data: bytes, limits: ImageLimits, where: str = "") -> np.ndarray:
    """`decode_image`, with `where` ("images[1]") put in front of the message of a refused image."""
    try:
        return decode_image(data, limits)
    except ImageError as error:
        if not where:
            raise
        raise type(error)(f"{where}: {error.message}") from error


def central_first(faces: Sequence[Face], width: int, height: int) -> list[Face]:
    """The face nearest the image centre first, then the others in the detector's order (best score first)."""
    central = most_central(faces, width, height)
    if central is None:
        return []
    return [central, *(face for face in faces if face is not central)]


def findings(
    engine: FaceAnalyzer, image_bgr: np.ndarray, faces: Sequence[Face], crop: CropSpec | None
) -> tuple[FaceFinding, ...]:
    """Report `faces` in this order, with a portrait each when `crop` is given."""
    redetect = central_face_finder(engine)
    return tuple(
        finding(index, face, None if crop is None else portrait_jpeg(image_bgr, face, crop, redetect))
        for index, face in enumerate(faces)
    )


def finding(
    index: int,
    face: Face,
    crop: bytes | None = None,
    quality: QualityReport | None = None,
    attributes: AttributesReport | None = None,
) -> FaceFinding:
    return FaceFinding(
        face_index=index,
        roi=face.box,
        landmarks=face.landmarks,
        rotation_angle=roll_degrees(face),
        detection_score=face.score,
        crop=crop,
        quality=quality,
        attributes=attributes,
    )


@dataclass(frozen=True, slots=True)
class AnalyzedImage:
    """The faces of one image and their descriptors, row i of `descriptors` belonging to `faces[i]`."""

    faces: tuple[FaceFinding, ...]
    descriptors: np.ndarray  # N×128 float32, unit length
    width: int
    height: int


def analyze(
    engine: FaceAnalyzer, image_bgr: np.ndarray, detect_all: bool, crop: CropSpec | None
) -> AnalyzedImage:
    """Every face (central first) or only the central one, described in one batched call."""
    height, width = image_bgr.shape[:2]
    if detect_all:
        faces = capped(central_first(engine.detect(image_bgr), width, height))  # the most central
    else:
        faces = engine.detect(image_bgr, only_central=True)
    descriptors = engine.describe(image_bgr, faces)
    return AnalyzedImage(findings(engine, image_bgr, faces, crop), descriptors, width, height)


def central_face_finder(engine: FaceAnalyzer) -> Redetect:
    """The engine as `crop_portrait` wants it for its second look: the face nearest the centre, or None."""

    def find(image_bgr: np.ndarray) -> Face | None:
        faces = engine.detect(image_bgr, only_central=True)
        return faces[0] if faces else None

    return find


def portrait_jpeg(image_bgr: np.ndarray, face: Face, crop: CropSpec, redetect: Redetect | None) -> bytes:
    """The JPEG portrait; `redetect` (see `crop_portrait`) is None for landmarks already measured upright."""
    return encode_jpeg(crop_portrait(image_bgr, face, crop, redetect), CROP_JPEG_QUALITY)
