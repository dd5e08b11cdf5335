"""The face-analysis ports: one per capability a model brings, and the two faces the use cases see.

A process composes a `FaceEngine` (libs/faces/engine.py) of the adapters it needs: YuNet is a `FaceDetector`,
SFace a `FaceDescriber`, the MiniFASNet pair a `SpoofDetector`; the age, expression and face-mesh models are
`TraitReader`s, each filling its part of `FaceTraits`. The use cases depend only on `FaceAnalyzer` /
`LivenessAnalyzer`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import numpy as np

from libs.faces.age import AgeEstimate
from libs.faces.expression import Expression
from libs.faces.mesh import FaceMesh
from libs.faces.types import Face


class Capability(StrEnum):
    """What a process asks of its face engine; each capability loads its own models."""

    DETECT = "detect"  # faces, boxes, five landmarks (every other capability starts from these)
    DESCRIBE = "describe"  # identity descriptors, for comparison and search
    LIVENESS = "liveness"  # passive anti-spoofing
    AGE = "age"  # apparent age
    EXPRESSION = "expression"  # facial expression (7 classes)
    MESH = "mesh"  # 468-point face mesh: eyes, mouth, pose; with irises on request


class Trait(StrEnum):
    """What one call may read of a face beyond detection; each comes from one capability's models."""

    AGE = "age"
    EXPRESSION = "expression"
    MESH = "mesh"
    IRIS = "iris"  # the mesh with its irises: the attention variant of the mesh model (costs 2.3× the mesh)

    @property
    def capability(self) -> Capability:
        return Capability.MESH if self is Trait.IRIS else Capability(self.value)


@dataclass(frozen=True, slots=True)
class FaceTraits:
    """What the trait models read of one face; a trait that was not asked for is None."""

    age: AgeEstimate | None = None
    expression: Expression | None = None
    mesh: FaceMesh | None = None  # `mesh.irises` is set when Trait.IRIS was asked for


class FaceDetector(Protocol):
    def detect(self, image_bgr: np.ndarray) -> list[Face]:
        """Faces of a BGR uint8 image, best score first."""
        ...


class FaceDescriber(Protocol):
    def describe(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        """N×D float32 unit descriptors of `faces`, row i for `faces[i]`."""
        ...


class SpoofDetector(Protocol):
    def real_probability(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[float]:
        """For each face, the probability (0..1) that it is a live person rather than a photo or a screen."""
        ...


class TraitReader(Protocol):
    """A model reading one trait (age, expression, mesh) of all the faces of an image in one call."""

    def read(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[Any]:
        """For each face, its reading (AgeEstimate, Expression or FaceMesh)."""
        ...


class FaceAnalyzer(Protocol):
    """What the detect, match and descriptor use cases ask of the face pipeline."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What it was built with: asking for anything else is a wiring error."""
        ...

    def detect(self, image_bgr: np.ndarray, only_central: bool = False) -> list[Face]:
        """All faces, best score first; or only the one nearest the image centre."""
        ...

    def describe(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        """N×128 float32 unit descriptors of `faces`, one batched call."""
        ...

    def traits(
        self, image_bgr: np.ndarray, faces: Sequence[Face], wanted: Collection[Trait]
    ) -> list[FaceTraits]:
        """For each face, the `wanted` traits (each trait's model runs once, over every face)."""
        ...


class LivenessAnalyzer(FaceAnalyzer, Protocol):
    """What the liveness check asks of it besides: anti-spoofing."""

    def liveness(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[float]: ...
