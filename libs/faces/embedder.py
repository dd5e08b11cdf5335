"""SFace 128-d face descriptors: five-point alignment, then the network (the engine's `FaceDescriber`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnxruntime as ort

from libs.faces.align import CROP_SIZE, align_faces
from libs.faces.types import Face

DESCRIPTOR_SIZE = 128


class SFaceEmbedder:
    """Runs SFace on aligned 112×112 crops; several crops share one call when the session's batch is free."""

    def __init__(self, session: ort.InferenceSession, max_batch: int = 16) -> None:
        self.session = session
        model_input = session.get_inputs()[0]
        self._input_name = model_input.name
        self._output_name = session.get_outputs()[0].name
        # A fixed batch of 1 (a model that could not be given a free batch) means one call per crop.
        self._batch = max_batch if not isinstance(model_input.shape[0], int) else model_input.shape[0]

    @staticmethod
    def prepare(crops_bgr: np.ndarray) -> np.ndarray:
        """N×112×112×3 BGR uint8 crops to the network input N×3×112×112 float32, RGB 0–255.

        SFace was trained on RGB: feeding BGR costs 0.3 points of LFW accuracy (MODELS.md).
        """
        crops = np.asarray(crops_bgr)
        if crops.ndim != 4 or crops.shape[1:] != (CROP_SIZE, CROP_SIZE, 3):
            raise ValueError(f"expected N×{CROP_SIZE}×{CROP_SIZE}×3 crops, got shape {crops.shape}")
        return np.ascontiguousarray(crops[..., ::-1].transpose(0, 3, 1, 2), dtype=np.float32)

    def run(self, blob: np.ndarray) -> np.ndarray:
        """Raw, unnormalised descriptors for a prepared input, split into batches the session accepts."""
        parts = [
            self.session.run([self._output_name], {self._input_name: blob[start : start + self._batch]})[0]
            for start in range(0, len(blob), self._batch)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, DESCRIPTOR_SIZE), np.float32)

    def embed(self, crops_bgr: np.ndarray) -> np.ndarray:
        """N×128 float32 descriptors of unit length for N aligned BGR crops."""
        raw = self.run(self.prepare(crops_bgr)).astype(np.float32, copy=False)
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        return raw / np.maximum(norms, np.finfo(np.float32).tiny)

    def describe(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        """N×128 float32 unit descriptors of `faces` of `image_bgr`, aligned and embedded in one call."""
        if not faces:
            return np.zeros((0, DESCRIPTOR_SIZE), dtype=np.float32)
        return self.embed(align_faces(image_bgr, faces))
