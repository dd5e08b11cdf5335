"""The face pipeline of one process: detection, alignment, descriptors and liveness on shared sessions.

Build one `FaceEngine` per process (loading takes about a second) and call it from any thread: the components
hold no per-call state, and onnxruntime's `InferenceSession.run` is thread-safe and releases the GIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from libs.config import InferenceSettings, ModelSettings
from libs.faces.align import align_faces
from libs.faces.antispoof import AntiSpoof, MiniFASNet
from libs.faces.detector import YuNetDetector, most_central
from libs.faces.embedder import DESCRIPTOR_SIZE, SFaceEmbedder
from libs.faces.types import Face
from libs.inference import create_session
from libs.models import resolve

# Registry names of the models, and the context each anti-spoofing model wants around the face box.
DETECTOR_MODEL = "yunet"
ANTISPOOF_MODELS = (("minifasnet_v2", 2.7), ("minifasnet_v1se", 4.0))


@dataclass(frozen=True, slots=True)
class Analysis:
    """Faces of one image and their descriptors, row i of `descriptors` belonging to `faces[i]`."""

    faces: tuple[Face, ...]
    descriptors: np.ndarray  # N×128 float32, unit length


class FaceEngine:
    """Detects, describes and checks the liveness of faces in BGR uint8 images."""

    def __init__(self, detector: YuNetDetector, embedder: SFaceEmbedder, antispoof: AntiSpoof) -> None:
        self.detector = detector
        self.embedder = embedder
        self.antispoof = antispoof

    @classmethod
    def create(cls, models: ModelSettings, inference: InferenceSettings) -> FaceEngine:
        """Resolve the model files (possibly downloading them, per `models`) and create the sessions."""
        threads = inference.intra_op_threads
        detector = YuNetDetector(
            create_session(resolve(DETECTOR_MODEL, models), threads),
            input_side=inference.detector_input_side,
            score_threshold=inference.detector_score_threshold,
            nms_threshold=inference.detector_nms_threshold,
            max_faces=inference.detector_max_faces,
        )
        embedder = SFaceEmbedder(
            create_session(resolve(models.recognizer, models), threads, dynamic_batch=True)
        )
        antispoof = AntiSpoof(
            [
                MiniFASNet(create_session(resolve(name, models), threads), scale)
                for name, scale in ANTISPOOF_MODELS
            ]
        )
        return cls(detector, embedder, antispoof)

    def detect(self, image_bgr: np.ndarray, only_central: bool = False) -> list[Face]:
        """All faces, best score first; or only the one nearest the image centre (an empty list if none)."""
        faces = self.detector.detect(image_bgr)
        if not only_central:
            return faces
        central = most_central(faces, image_bgr.shape[1], image_bgr.shape[0])
        return [central] if central is not None else []

    def describe(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        """N×128 float32 unit descriptors of the given faces of `image_bgr`, in one batched call."""
        if not faces:
            return np.zeros((0, DESCRIPTOR_SIZE), dtype=np.float32)
        return self.embedder.embed(align_faces(image_bgr, faces))

    def liveness(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[float]:
        """For each face, the probability (0..1) that it is a live person rather than a photo or a screen."""
        return self.antispoof.real_probability(image_bgr, faces)

    def analyze(self, image_bgr: np.ndarray, only_central: bool = False) -> Analysis:
        """Detect, then describe what was found."""
        faces = self.detect(image_bgr, only_central)
        return Analysis(tuple(faces), self.describe(image_bgr, faces))
