"""What one submitted frame shows: how many faces, how large and sharp, the head's yaw, who it is, how live.

Each frame is analysed on its own (detect, then for a single face: pose from the landmarks, blur of the inner
face, descriptor, anti-spoofing probability), so only one decoded frame is held at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from libs.faces.detector import most_central
from libs.faces.ports import LivenessAnalyzer
from libs.faces.types import Face
from libs.quality.geometry import FaceGeometry
from libs.quality.photometry import FacePixels


@dataclass(frozen=True, slots=True)
class FrameLimits:
    """When a frame with one face counts as good enough to decide on."""

    min_eye_distance: float = 60.0  # px between the eye landmarks
    max_blur: float = 0.6  # `libs.quality` BlurLevel, 0 sharp .. 1 blurred


@dataclass(frozen=True, slots=True)
class FrameAnalysis:
    index: int  # position in the submission
    faces: int  # faces the detector found
    face: Face | None  # the central face, when there is at least one
    eye_distance: float  # px; 0 without a face
    blur: float  # 0..1; 1 without a face
    yaw: float | None  # degrees, > 0 = turned to the user's left; None when unknown
    descriptor: np.ndarray | None  # 128 float32, unit length, of the central face
    real_probability: float | None  # anti-spoofing, 0..1, of the central face
    problem: str  # "" when the frame is usable, else why not (for the stored details)

    @property
    def usable(self) -> bool:
        return not self.problem

    def frontal_rank(self) -> tuple[float, float, float]:
        """Sort key, best first: most frontal, then sharpest, then largest."""
        yaw = abs(self.yaw) if self.yaw is not None else 90.0
        return (round(yaw / 5.0), self.blur, -self.eye_distance)


def analyze_frame(
    engine: LivenessAnalyzer, image_bgr: np.ndarray, index: int, limits: FrameLimits
) -> FrameAnalysis:
    faces = engine.detect(image_bgr)
    height, width = image_bgr.shape[:2]
    face = most_central(faces, width, height)
    if face is None:
        return FrameAnalysis(index, 0, None, 0.0, 1.0, None, None, None, "no face")
    geometry = FaceGeometry(face)
    yaw = geometry.pose.yaw
    pixels = FacePixels(image_bgr, geometry)
    blur = pixels.blur_level if pixels.visible else 1.0
    descriptor = engine.describe(image_bgr, [face])[0]
    real = engine.liveness(image_bgr, [face])[0]
    problem = ""
    if len(faces) > 1:
        problem = f"{len(faces)} faces"
    elif geometry.eyes_distance < limits.min_eye_distance:
        problem = f"face too small ({geometry.eyes_distance:.0f} px between the eyes)"
    elif not pixels.visible:
        problem = "face cut by the frame border"
    elif blur > limits.max_blur:
        problem = f"too blurred ({blur:.2f})"
    return FrameAnalysis(
        index=index,
        faces=len(faces),
        face=face,
        eye_distance=geometry.eyes_distance,
        blur=blur,
        yaw=None if math.isnan(yaw) else yaw,
        descriptor=descriptor,
        real_probability=real,
        problem=problem,
    )
