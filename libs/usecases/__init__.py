"""What the services do, in plain Python: detection, 1:1 matching, descriptors. No protobuf, no gRPC.

Each use case takes a `FaceAnalyzer` (the `FaceEngine`), plain dataclasses in and out, and raises
`libs.errors` types for requests it refuses.
"""

from libs.faces.ports import FaceAnalyzer
from libs.usecases.descriptors import (
    DescriptorImage,
    DescriptorsRequest,
    DescriptorsResult,
    FaceDescriptor,
    ImageDescriptors,
    compute_descriptors,
)
from libs.usecases.detect import DetectRequest, DetectResult, detect_faces
from libs.usecases.faces import CropRequest, FaceFinding
from libs.usecases.match import (
    FaceComparison,
    ImageDetections,
    MatchImage,
    MatchRequest,
    MatchResult,
    match_faces,
)

__all__ = [
    "CropRequest",
    "DescriptorImage",
    "DescriptorsRequest",
    "DescriptorsResult",
    "DetectRequest",
    "DetectResult",
    "FaceAnalyzer",
    "FaceComparison",
    "FaceDescriptor",
    "FaceFinding",
    "ImageDescriptors",
    "ImageDetections",
    "MatchImage",
    "MatchRequest",
    "MatchResult",
    "compute_descriptors",
    "detect_faces",
    "match_faces",
]
