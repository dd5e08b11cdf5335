"""The face pipeline of one process, composed of the adapters of the capabilities it uses.

Build one `FaceEngine` per process with `FaceEngine.create(models, inference, uses)`: only the models of
`uses` are loaded (detection needs YuNet and the trait models; matching YuNet and SFace; liveness adds
MiniFASNet and the age model). Call it
from any thread: the adapters hold no per-call state, and onnxruntime's `InferenceSession.run` is thread-safe
and releases the GIL.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import numpy as np
import onnxruntime as ort

from libs.config import InferenceSettings, ModelSettings
from libs.faces.age import AgeModel
from libs.faces.antispoof import AntiSpoof, MiniFASNet
from libs.faces.detector import YuNetDetector, most_central
from libs.faces.embedder import DESCRIPTOR_SIZE, SFaceEmbedder
from libs.faces.expression import ExpressionModel
from libs.faces.mesh import FaceMeshModel
from libs.faces.ports import (
    Capability,
    FaceDescriber,
    FaceDetector,
    FaceTraits,
    SpoofDetector,
    Trait,
)
from libs.faces.types import Face
from libs.inference import create_session, execution_providers
from libs.models import resolve

# Registry names of the models of each capability (the detector always: the rest need faces), and the
# context each anti-spoofing model wants around the face box.
DETECTOR_MODEL = "yunet"
# MiniFASNetV2 alone: averaging in V1SE (box ×4.0) accepted 15 of 51 attacks instead of 5 at the same live
# refusal rate on our detector's boxes (bench/liveness_passive.py), so V1SE is registered but not loaded.
ANTISPOOF_MODELS = (("minifasnet_v2", 2.7),)
TRAIT_MODELS = {
    Capability.AGE: ("age",),
    Capability.EXPRESSION: ("expression",),
    Capability.MESH: ("facemesh", "facemesh_attention"),
}
EVERY_CAPABILITY = frozenset(Capability)
T = TypeVar("T")


def model_names(uses: Collection[Capability], models: ModelSettings) -> list[str]:
    """The registry names of what an engine with `uses` loads, in loading order."""
    names = [DETECTOR_MODEL]
    if Capability.DESCRIBE in uses:
        names.append(models.recognizer)
    if Capability.LIVENESS in uses:
        names.extend(name for name, _ in ANTISPOOF_MODELS)
    for capability, trait_models in TRAIT_MODELS.items():
        if capability in uses:
            names.extend(trait_models)
    return names


class FaceEngine:
    """Detects faces in BGR uint8 images and, with the adapters it was given, describes them, checks their
    liveness and reads their traits. Asking for a capability it was built without is a wiring error
    (RuntimeError)."""

    def __init__(
        self,
        detector: FaceDetector,
        describer: FaceDescriber | None = None,
        antispoof: SpoofDetector | None = None,
        age: AgeModel | None = None,
        expression: ExpressionModel | None = None,
        mesh: FaceMeshModel | None = None,
        trait_threads: int = 1,
    ) -> None:
        self.detector = detector
        self.describer = describer
        self.antispoof = antispoof
        self.age = age
        self.expression = expression
        self.mesh = mesh
        # The trait models are too small to gain from splitting one run across threads (each runs on one);
        # run side by side instead, as many at once as the process grants intra-op threads: all 13
        # attributes on a 640×480 portrait, 2 threads: 9.0 ms one after another, 6.7 ms side by side.
        readers = sum(reader is not None for reader in (age, expression, mesh))
        parallel = trait_threads > 1 and readers > 1  # an engine without two trait readers needs no pool
        self._trait_pool = ThreadPoolExecutor(trait_threads, "traits") if parallel else None

    @property
    def capabilities(self) -> frozenset[Capability]:
        present = {
            Capability.DESCRIBE: self.describer,
            Capability.LIVENESS: self.antispoof,
            Capability.AGE: self.age,
            Capability.EXPRESSION: self.expression,
            Capability.MESH: self.mesh,
        }
        return frozenset({Capability.DETECT, *(c for c, adapter in present.items() if adapter is not None)})

    @classmethod
    def create(
        cls,
        models: ModelSettings,
        inference: InferenceSettings,
        uses: Collection[Capability] = EVERY_CAPABILITY,
    ) -> FaceEngine:
        """Resolve the model files of `uses` (downloading them if `models` allows) and create the sessions."""
        threads = inference.intra_op_threads
        providers = execution_providers(inference.execution_provider, inference.cuda_device)

        def session(name: str, dynamic_batch: bool = False, threads: int = threads) -> ort.InferenceSession:
            path = resolve(name, models)
            return create_session(path, threads, dynamic_batch=dynamic_batch, providers=providers)

        def small(name: str) -> ort.InferenceSession:  # a trait model: one thread (see `__init__`)
            return session(name, threads=1)

        def wanted(capability: Capability, build: Callable[[], T]) -> T | None:
            return build() if capability in uses else None

        detector = YuNetDetector(
            session(DETECTOR_MODEL),
            input_side=inference.detector_input_side,
            score_threshold=inference.detector_score_threshold,
            nms_threshold=inference.detector_nms_threshold,
            max_faces=inference.detector_max_faces,
        )
        return cls(
            detector,
            describer=wanted(Capability.DESCRIBE, lambda: SFaceEmbedder(session(models.recognizer, True))),
            antispoof=wanted(
                Capability.LIVENESS,
                lambda: AntiSpoof([MiniFASNet(session(name), scale) for name, scale in ANTISPOOF_MODELS]),
            ),
            age=wanted(Capability.AGE, lambda: AgeModel(small("age"))),
            expression=wanted(Capability.EXPRESSION, lambda: ExpressionModel(small("expression"))),
            mesh=wanted(
                Capability.MESH, lambda: FaceMeshModel(small("facemesh"), small("facemesh_attention"))
            ),
            trait_threads=threads,
        )

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

    def traits(
        self, image_bgr: np.ndarray, faces: Sequence[Face], wanted: Collection[Trait]
    ) -> list[FaceTraits]:
        """For each face, the `wanted` traits: each model runs once over all the faces, the models side by
        side on `trait_threads` threads."""
        if not faces or not wanted:
            return [FaceTraits() for _ in faces]
        reads: dict[str, Callable[[], list[Any]]] = {}
        if Trait.AGE in wanted:
            reads["age"] = partial(_needed(self.age, Capability.AGE).read, image_bgr, faces)
        if Trait.EXPRESSION in wanted:
            reads["expression"] = partial(
                _needed(self.expression, Capability.EXPRESSION).read, image_bgr, faces
            )
        if Trait.IRIS in wanted or Trait.MESH in wanted:
            mesh = _needed(self.mesh, Capability.MESH)
            reads["mesh"] = partial(
                mesh.read_with_irises if Trait.IRIS in wanted else mesh.read, image_bgr, faces
            )
        if self._trait_pool is None or len(reads) == 1:
            read = {name: call() for name, call in reads.items()}
        else:
            futures = {name: self._trait_pool.submit(call) for name, call in reads.items()}
            read = {name: future.result() for name, future in futures.items()}
        return [
            FaceTraits(**{name: readings[i] for name, readings in read.items()}) for i in range(len(faces))
        ]


def _needed(adapter: T | None, capability: Capability) -> T:
    if adapter is None:
        raise RuntimeError(f"this face engine was built without {capability.value!r}")
    return adapter
