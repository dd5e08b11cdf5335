"""ComputeDescriptors as a use case: a status per image instead of a failed call, unit descriptors, order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from libs.config import ImageLimits
from libs.errors import FaceSDKResultCode, InvalidRequestError
from libs.faces import FaceEngine, cosine
from libs.usecases import DescriptorImage, DescriptorsRequest, compute_descriptors

pytestmark = pytest.mark.unit

KATY_1 = "deepface/tests/unit/dataset/img27.jpg"
KATY_2 = "deepface/tests/unit/dataset/img28.jpg"
TWO_PEOPLE = "face_recognition/examples/two_people.jpg"
NO_FACE = "skimage/skimage/data/rocket.jpg"
TRUNCATED = "compreface/embedding-calculator/src/services/imgtools/test/files/truncated.jpg"
LIMITS = ImageLimits()


def test_every_image_gets_its_own_status_and_a_bad_one_does_not_fail_the_call(
    face_engine: FaceEngine, faces_dir: Path
) -> None:
    names = (KATY_1, TRUNCATED, NO_FACE, TWO_PEOPLE)
    images = [DescriptorImage((faces_dir / name).read_bytes()) for name in names]
    images += [DescriptorImage(b""), DescriptorImage((faces_dir / TWO_PEOPLE).read_bytes(), detect_all=True)]
    result = compute_descriptors(face_engine, DescriptorsRequest(images), LIMITS, model="sface_int8bq")

    assert result.model == "sface_int8bq"
    assert [image.status for image in result.images] == [
        FaceSDKResultCode.FACER_OK,
        FaceSDKResultCode.FR_IMAGE_DECODE_ERROR,
        FaceSDKResultCode.FR_FACE_NOT_DETECTED,
        FaceSDKResultCode.FACER_OK,
        FaceSDKResultCode.FR_IMAGE_EMPTY,
        FaceSDKResultCode.FACER_OK,
    ]
    assert [len(image.faces) for image in result.images] == [1, 0, 0, 1, 0, 2]
    assert (result.images[1].width, result.images[1].height) == (0, 0)
    assert (result.images[3].width, result.images[3].height) == (1126, 661)
    # The central face comes first whether or not every face was asked for.
    assert result.images[5].faces[0].face.roi == result.images[3].faces[0].face.roi
    for image in result.images:
        for face in image.faces:
            assert len(face.descriptor) == 128
            assert np.linalg.norm(face.descriptor) == pytest.approx(1.0, abs=1e-5)


def test_descriptors_of_the_same_person_are_close(face_engine: FaceEngine, faces_dir: Path) -> None:
    images = [DescriptorImage((faces_dir / name).read_bytes()) for name in (KATY_1, KATY_2, TWO_PEOPLE)]
    katy_1, katy_2, other = compute_descriptors(face_engine, DescriptorsRequest(images), LIMITS, "m").images
    same = cosine(np.array(katy_1.faces[0].descriptor), np.array(katy_2.faces[0].descriptor))
    different = cosine(np.array(katy_1.faces[0].descriptor), np.array(other.faces[0].descriptor))
    assert same > 0.38 > different


def test_an_empty_batch_is_refused(face_engine: FaceEngine) -> None:
    with pytest.raises(InvalidRequestError, match="at least 1 image"):
        compute_descriptors(face_engine, DescriptorsRequest([]), LIMITS, "m")
