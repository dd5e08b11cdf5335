"""The face pipeline of one process, composed of the adapters of the capabilities it uses.

Build one `FaceEngine` per process with `FaceEngine.create(models, inference, uses)`: only the models of
`uses` are loaded (detection needs YuNet alone; matching YuNet and SFace; liveness adds MiniFASNet). Call it
from any thread: the adapters hold no per-call state, and onnxruntime's `InferenceSession.run` is thread-safe
and releases the GIL.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeVar

import numpy as np
import onnxruntime as ort

from libs.config import InferenceSettings, ModelSettings
from libs.faces.antispoof import AntiSpoof, MiniFASNet
from libs.faces.detector import YuNetDetector, most_central
from libs.faces.embedder import DESCRIPTOR_SIZE, SFaceEmbedder
from libs.faces.ports import (
    Capability,
    FaceDescriber,
    FaceDetector,
    SpoofDetector,
)
from libs.faces.types import Face
from libs.inference import create_session
from libs.models import resolve

# Registry names of the models, and the context each anti-spoofing model wants around the face box.
DETECTOR_MODEL = "yunet"
ANTISPOOF_MODELS = (("minifasnet_v2", 2.7), ("minifasnet_v1se", 4.0))
EVERY_CAPABILITY = frozenset(Capability)
T = TypeVar("T")


def model_names(uses: Collection[Capability], models: ModelSettings) -> list[str]:
    """The registry names of what an engine with `uses` loads (the detector always: the rest need faces)."""
    names = [DETECTOR_MODEL]
    if Capability.DESCRIBE in uses:
        names.append(models.recognizer)
    if Capability.LIVENESS in uses:
        names.extend(name for name, _ in ANTISPOOF_MODELS)
    return names


class FaceEngine:
    """Detects faces in BGR uint8 images and, with the adapters it was given, describes them and checks
    their liveness. Asking for a capability it was built without is a wiring error (RuntimeError)."""

    def __init__(
        self,
        detector: FaceDetector,
        describer: FaceDescriber | None = None,
        antispoof: SpoofDetector | None = None,
    ) -> None:
        self.detector = detector
        self.describer = describer
        self.antispoof = antispoof

    @classmethod
    def create(
        cls,
        models: ModelSettings,
        inference: InferenceSettings,
        uses: Collection[Capability] = EVERY_CAPABILITY,
    ) -> FaceEngine:
        """Resolve the model files of `uses` (downloading them if `models` allows) and create the sessions."""
        threads = inference.intra_op_threads

        def session(name: str, dynamic_batch: bool = False) -> ort.InferenceSession:
            return create_session(resolve(name, models), threads, dynamic_batch=dynamic_batch)

        detector = YuNetDetector(
            session(DETECTOR_MODEL),
            input_side=inference.detector_input_side,
            score_threshold=inference.detector_score_threshold,
            nms_threshold=inference.detector_nms_threshold,
            max_faces=inference.detector_max_faces,
        )
        describer = None
        if Capability.DESCRIBE in uses:
            describer = SFaceEmbedder(session(models.recognizer, dynamic_batch=True))
        antispoof = None
        if Capability.LIVENESS in uses:
            antispoof = AntiSpoof([MiniFASNet(session(name), scale) for name, scale in ANTISPOOF_MODELS])
        return cls(detector, describer, antispoof)

    def detect(self, image_bgr: np.ndarray, only_central: bool = False) -> list[Face]:
        """All faces, best score first; or only the one nearest the image centre (an empty list if none)."""
        faces = self.detector.detect(image_bgr)
        if not only_central:
            return faces
        central = most_central(faces, image_bgr.shape[1], image_bgr.shape[0])
        return [central] if central is not None else []

    def describe(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        """N×128 float32 unit descriptors of the given faces of `image_bgr`, in one batched call."""
        if not faces:  # an engine without a describer still answers "no faces, no descriptors"
            return np.zeros((0, DESCRIPTOR_SIZE), dtype=np.float32)
        return _needed(self.describer, Capability.DESCRIBE).describe(image_bgr, faces)

    def liveness(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[float]:
        """For each face, the probability (0..1) that it is a live person rather than a photo or a screen."""
        return _needed(self.antispoof, Capability.LIVENESS).real_probability(image_bgr, faces)


def _needed(adapter: T | None, capability: Capability) -> T:
    if adapter is None:
        raise RuntimeError(f"this face engine was built without {capability.value!r}")
    return adapter
