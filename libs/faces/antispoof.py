"""Passive anti-spoofing (presentation attack detection): the MiniFASNets of Silent-Face-Anti-Spoofing.

Each model sees the face box enlarged around its centre (×2.7 for MiniFASNetV2, ×4.0 for MiniFASNetV1SE), cut
out and resized to 80×80, BGR 0–255 (upstream's ToTensor does not divide by 255). The softmax outputs of the
models given are averaged, as upstream does; class 1 is "real". Which models run is `engine.ANTISPOOF_MODELS`.

Licence note: the weights are Apache-2.0; the data they were trained on carries research-use terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from libs.faces.types import Face

INPUT_SIZE = 80
REAL_CLASS = 1

# Calibrated (bench/liveness_passive.py, bench/results/REPORT.md) on 115 licensed spoof and live photos of six
# captures: the highest threshold that refuses at most 5 % of the live ones. Judged leaving one capture out,
# it accepts 5 of 51 attacks and refuses 5 of 64 live photos; upstream's 0.5 on the bilinear ensemble accepted
# 20 of 51. Few subjects and one print attack: an operating point to re-measure on your own captures.
DEFAULT_REAL_THRESHOLD = 0.72


@dataclass(frozen=True, slots=True)
class MiniFASNet:
    """One model of the ensemble: its session and how much context around the face box it wants."""

    session: ort.InferenceSession
    box_scale: float


def crop_box(width: int, height: int, face: Face, scale: float) -> tuple[int, int, int, int]:
    """Upstream's `CropImage._get_new_box`: left, top, right, bottom (inclusive) of the enlarged box.

    The scale shrinks until the enlarged box fits the image, then the box is shifted inside.
    """
    scale = min((height - 1) / face.h, (width - 1) / face.w, scale)
    new_w, new_h = face.w * scale, face.h * scale
    cx, cy = face.x + face.w / 2, face.y + face.h / 2
    left, top, right, bottom = cx - new_w / 2, cy - new_h / 2, cx + new_w / 2, cy + new_h / 2
    if left < 0:
        right -= left
        left = 0
    if top < 0:
        bottom -= top
        top = 0
    if right > width - 1:
        left -= right - width + 1
        right = width - 1
    if bottom > height - 1:
        top -= bottom - height + 1
        bottom = height - 1
    return int(left), int(top), int(right), int(bottom)


def crop_inputs(
    image_bgr: np.ndarray,
    faces: Sequence[Face],
    box_scale: float,
    interpolation: int = cv2.INTER_AREA,
) -> np.ndarray:
    """The N×3×80×80 float32 network input for the faces of one image.

    The enlarged box is usually several times 80 px wide, so it is shrunk by pixel-area averaging: upstream's
    bilinear resize samples 2×2 pixels per output pixel and aliases, which makes the score depend on the
    capture's resolution (bench/liveness_passive.py measures both).
    """
    height, width = image_bgr.shape[:2]
    blob = np.empty((len(faces), 3, INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
    for row, face in zip(blob, faces, strict=True):
        left, top, right, bottom = crop_box(width, height, face, box_scale)
        patch = image_bgr[max(0, top) : bottom + 1, max(0, left) : right + 1]
        if patch.size == 0:  # an image one pixel wide or high leaves no box: take what there is
            patch = image_bgr
        row[...] = cv2.resize(patch, (INPUT_SIZE, INPUT_SIZE), interpolation=interpolation).transpose(2, 0, 1)
    return blob


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class AntiSpoof:
    """The averaged MiniFASNet ensemble."""

    def __init__(self, models: Sequence[MiniFASNet]) -> None:
        if not models:
            raise ValueError("the anti-spoofing ensemble needs at least one model")
        self.models = tuple(models)
        self._names = [(m.session.get_inputs()[0].name, m.session.get_outputs()[0].name) for m in self.models]

    def real_probability(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[float]:
        """For each face, the probability (0..1) that it is a live person, not a photo or a screen."""
        if not faces:
            return []
        total = np.zeros(len(faces), dtype=np.float64)
        for model, (input_name, output_name) in zip(self.models, self._names, strict=True):
            blob = crop_inputs(image_bgr, faces, model.box_scale)
            logits = model.session.run([output_name], {input_name: blob})[0]
            total += _softmax(logits.astype(np.float64))[:, REAL_CLASS]
        return (total / len(self.models)).tolist()
