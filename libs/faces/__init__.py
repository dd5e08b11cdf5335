"""The face pipeline: YuNet detection, five-point alignment, SFace descriptors, MiniFASNet liveness.

Build one `FaceEngine` per process with `FaceEngine.create(models, inference, uses)`; the ports it is composed
of, and those the use cases depend on, are in `libs.faces.ports`.
"""

from libs.faces.compare import (
    SAME_PERSON_COSINE,
    SAME_PERSON_DISTANCE,
    cosine,
    cosine_matrix,
    distance_from_cosine,
    is_same_person,
    similarity_from_cosine,
)
from libs.faces.engine import FaceEngine, model_names
from libs.faces.ports import Capability, FaceAnalyzer, LivenessAnalyzer
from libs.faces.types import Face

__all__ = [
    "SAME_PERSON_COSINE",
    "SAME_PERSON_DISTANCE",
    "Capability",
    "Face",
    "FaceAnalyzer",
    "FaceEngine",
    "LivenessAnalyzer",
    "cosine",
    "cosine_matrix",
    "distance_from_cosine",
    "is_same_person",
    "model_names",
    "similarity_from_cosine",
]
