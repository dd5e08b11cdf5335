"""Facial expression: face-api.js's 7-class model (MIT), the engine's EXPRESSION reader.

Input: the detector's box resized to 112×112, RGB 0–255, NHWC (the graph normalises itself). Output: a
softmax over EXPRESSIONS. Trained on public sets and web images (not published in detail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from libs.faces.types import Face
from libs.inference import class_probabilities

INPUT_SIZE = 112
EXPRESSIONS = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")


@dataclass(frozen=True, slots=True)
class Expression:
    """The model's probability for each of EXPRESSIONS, in that order."""

    probabilities: np.ndarray

    @property
    def strongest(self) -> tuple[str, float]:
        index = int(np.argmax(self.probabilities))
        return EXPRESSIONS[index], float(self.probabilities[index])

    def probability(self, name: str) -> float:
        return float(self.probabilities[EXPRESSIONS.index(name)])


def box_chip(image_bgr: np.ndarray, face: Face) -> np.ndarray:
    """The face box resized to 112×112, RGB (the box lies inside the image: YuNet clips it)."""
    x, y = int(face.x), int(face.y)
    right, bottom = max(x + 1, round(face.x + face.w)), max(y + 1, round(face.y + face.h))
    patch = image_bgr[y:bottom, x:right]
    return cv2.cvtColor(cv2.resize(patch, (INPUT_SIZE, INPUT_SIZE)), cv2.COLOR_BGR2RGB)


class ExpressionModel:
    def __init__(self, session: ort.InferenceSession) -> None:
        self.session = session

    def read(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[Expression]:
        if not faces:
            return []
        blob = np.stack([box_chip(image_bgr, face) for face in faces]).astype(np.float32)
        return [Expression(row) for row in class_probabilities(self.session, blob)]
