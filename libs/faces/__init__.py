"""The face pipeline: YuNet detection, five-point alignment, SFace descriptors, MiniFASNet liveness.

Build one `FaceEngine` per process with `FaceEngine.create(model_settings, inference_settings)`.
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
from libs.faces.engine import Analysis, FaceEngine
from libs.faces.types import Face

__all__ = [
    "SAME_PERSON_COSINE",
    "SAME_PERSON_DISTANCE",
    "Analysis",
    "Face",
    "FaceEngine",
    "cosine",
    "cosine_matrix",
    "distance_from_cosine",
    "is_same_person",
    "similarity_from_cosine",
]
