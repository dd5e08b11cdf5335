"""Internal ComputeDescriptors: faces and 128-d descriptors of a batch of images, for the other services.

Unlike /api/match, a refused image does not fail the call: it gets its own status (1 empty, 6 undecodable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from libs.config import ImageLimits
from libs.errors import FaceSDKResultCode, ImageError, InvalidRequestError
from libs.faces.crop import CropSpec
from libs.faces.ports import FaceAnalyzer
from libs.usecases.faces import CropRequest, FaceFinding, analyze, crop_spec, decode


@dataclass(frozen=True, slots=True)
class DescriptorImage:
    data: bytes
    detect_all: bool = False  # False = only the face nearest the centre


@dataclass(frozen=True, slots=True)
class DescriptorsRequest:
    images: Sequence[DescriptorImage]
    crop: CropRequest | None = None


@dataclass(frozen=True, slots=True)
class FaceDescriptor:
    face: FaceFinding
    # 128 float32, unit length: the engine's row as it is, over the wire only as the proto's floats.
    descriptor: np.ndarray


@dataclass(frozen=True, slots=True)
class ImageDescriptors:
    status: FaceSDKResultCode  # FACER_OK, FR_FACE_NOT_DETECTED, or the refused image's code
    faces: tuple[FaceDescriptor, ...]  # central face first; empty unless status is FACER_OK
    width: int  # px of the decoded image, 0 when it could not be decoded
    height: int


@dataclass(frozen=True, slots=True)
class DescriptorsResult:
    images: tuple[ImageDescriptors, ...]  # request order
    model: str  # descriptors of different models must not be compared


def compute_descriptors(
    engine: FaceAnalyzer, request: DescriptorsRequest, limits: ImageLimits, model: str
) -> DescriptorsResult:
    if not request.images:
        raise InvalidRequestError("images: at least 1 image is needed")
    spec = crop_spec(request.crop, "outputImageParams.crop")
    return DescriptorsResult(tuple(_one(engine, image, limits, spec) for image in request.images), model)


def _one(
    engine: FaceAnalyzer, image: DescriptorImage, limits: ImageLimits, spec: CropSpec | None
) -> ImageDescriptors:
    try:
        pixels = decode(image.data, limits)
    except ImageError as error:
        return ImageDescriptors(error.result_code, (), 0, 0)
    result = analyze(engine, pixels, image.detect_all, spec)
    faces = tuple(
        FaceDescriptor(face, row) for face, row in zip(result.faces, result.descriptors, strict=True)
    )
    status = FaceSDKResultCode.FACER_OK if faces else FaceSDKResultCode.FR_FACE_NOT_DETECTED
    return ImageDescriptors(status, faces, result.width, result.height)
