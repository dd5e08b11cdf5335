"""The face-analysis ports: one per capability a model brings, and the two faces the use cases see.

A process composes a `FaceEngine` (libs/faces/engine.py) of the adapters it needs: YuNet is a `FaceDetector`,
SFace a `FaceDescriber`, the MiniFASNet pair a `SpoofDetector`; an attribute model (age, expression, eye
state) is an `AttributeAnalyzer`. The use cases depend only on `FaceAnalyzer` / `LivenessAnalyzer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np

from libs.faces.types import Face


class Capability(StrEnum):
    """What a process asks of its face engine; each capability loads its own models."""

    DETECT = "detect"  # faces, boxes, five landmarks (every other capability starts from these)
    DESCRIBE = "describe"  # identity descriptors, for comparison and search
    LIVENESS = "liveness"  # passive anti-spoofing


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


@dataclass(frozen=True, slots=True)
class AttributeReading:
    """One measured attribute of one face, in Regula's `details[]` shape."""

    name: str  # Regula's attribute name, e.g. "Age", "Emotion"
    value: object  # what the attribute's answer is: a range, a class name, a boolean
    confidence: float  # 0..1


class AttributeAnalyzer(Protocol):
    """A model that measures attributes of faces (age, expression, eyes, mouth...)."""

    @property
    def attributes(self) -> tuple[str, ...]:
        """The attribute names this analyser answers."""
        ...

    def measure(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[list[AttributeReading]]:
        """For each face, its readings of `attributes`."""
        ...


class FaceAnalyzer(Protocol):
    """What the detect, match and descriptor use cases ask of the face pipeline."""

    def detect(self, image_bgr: np.ndarray, only_central: bool = False) -> list[Face]:
        """All faces, best score first; or only the one nearest the image centre."""
        ...

    def describe(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        """N×128 float32 unit descriptors of `faces`, one batched call."""
        ...


class LivenessAnalyzer(FaceAnalyzer, Protocol):
    """What the liveness check asks of it besides: anti-spoofing."""

    def liveness(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[float]: ...
