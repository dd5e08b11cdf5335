"""What one submitted frame shows: how many faces, how large and sharp, the head's yaw, who it is, how live.

Each frame is analysed on its own (detect, then for a single face: pose from the landmarks, blur of the inner
face, descriptor, anti-spoofing probability; for a blink check also the eyes from the face mesh), so only one
decoded frame is held at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from libs.faces.detector import most_central
from libs.faces.ports import LivenessAnalyzer, Trait
from libs.faces.types import Face
from libs.quality.geometry import FaceGeometry
from libs.quality.photometry import FacePixels
from libs.quality.traits import eye_closed

# Why a frame with one face cannot be judged; each is a failed check of its own (decision.py) that tells the
# user what to change, distinct from "not live".
FACE_SIZE, FACE_IN_FRAME, SHARPNESS = "faceSize", "faceInFrame", "sharpness"


@dataclass(frozen=True, slots=True)
class FrameLimits:
    """When a frame with one face counts as good enough to decide on."""

    # px between the eye landmarks. The passive score holds its error rates down to here: live photos shrunk
    # to 40 px are refused about as often as at full size (4.9 % against 4.7 %), at 32 px 6.6 % (README.md).
    min_eye_distance: float = 40.0
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
    quality_issue: str = ""  # one face, but FACE_SIZE, FACE_IN_FRAME or SHARPNESS failed
    # Closedness 0..1 (0.5 decides) of the person's right and left eye, read only for a blink check (blink.py)
    eyes_closed: tuple[float, float] | None = None

    @property
    def usable(self) -> bool:
        return not self.problem

    def frontal_rank(self) -> tuple[float, float, float]:
        """Sort key, best first: most frontal, then sharpest, then largest."""
        yaw = abs(self.yaw) if self.yaw is not None else 90.0
        return (round(yaw / 5.0), self.blur, -self.eye_distance)


def analyze_frame(
    engine: LivenessAnalyzer, image_bgr: np.ndarray, index: int, limits: FrameLimits, eyes: bool = False
) -> FrameAnalysis:
    """`eyes`: also read the eyes' closedness with the face mesh (PASSIVE_WITH_BLINK), when one face shows."""
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
    eyes_closed = None
    if eyes and len(faces) == 1:
        (traits,) = engine.traits(image_bgr, [face], {Trait.MESH})
        if traits.mesh is not None:
            eyes_closed = (eye_closed(traits.mesh, right=True), eye_closed(traits.mesh, right=False))
    problem, issue = "", ""
    if len(faces) > 1:
        problem = f"{len(faces)} faces"
    elif geometry.eyes_distance < limits.min_eye_distance:
        problem, issue = f"face too small ({geometry.eyes_distance:.0f} px between the eyes)", FACE_SIZE
    elif not pixels.visible:
        problem, issue = "face cut by the frame border", FACE_IN_FRAME
    elif blur > limits.max_blur:
        problem, issue = f"too blurred ({blur:.2f})", SHARPNESS
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
        quality_issue=issue,
        eyes_closed=eyes_closed,
    )
