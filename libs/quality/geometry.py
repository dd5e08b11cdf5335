"""What the five landmarks say about a face: eye line, head pose, head size, and the portrait frame around it.

Landmarks are YuNet's: image-left eye, image-right eye, nose tip, image-left and image-right mouth corners.

Head pose is `cv2.solvePnP` against a generic 3D five-point face. Its x/y layout is the median YuNet layout
(in inter-eye distances, IED) over the 130 single-face photos of shared/faces: nose tip 0.594 IED below the
eye line, mouth corners 1.043 IED below it and 0.864 IED apart. Its depths come from MediaPipe's canonical
face model (Apache-2.0): nose tip 36 mm in front of the pupils, mouth corners 4 mm in front of them, IED 63
mm; the points sit where a camera 75 cm away sees them on that layout. Before the fit the landmarks are turned
so the eyes are level (that angle is the roll), and the camera's principal point is put on the face: the
angles are relative to the line of sight to the face, so moving the face within the frame does not change
them. Five landmarks leave about ±4° of person-to-person uncertainty in yaw and pitch (the spread of the nose
position among faces that look frontal); roll is as precise as the eye landmarks, about ±3° on a face 100 px
between the eyes.

Head size is estimated from landmark distances, which do not depend on roll: head height (chin to the top of
the skull, hair volume excluded) ≈ 1.7 × (IED + eye-to-mouth distance), head width (at the ears) ≈ 2.45 × IED.
Both factors were measured by eye on four frontal portraits of shared/faces (spread ±5 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from libs.faces.types import Face

# The camera is taken to stand this many inter-eye distances from the face (12 × 63 mm ≈ 75 cm, a usual
# portrait distance); the focal length in pixels follows from it.
CAMERA_DISTANCE_IEDS = 12.0
_IED_MM = 63.0
# Median YuNet layout (in IEDs from the eye midpoint, y down) and depths (mm, negative = towards the camera).
_LAYOUT = np.array([[-0.5, 0.0], [0.5, 0.0], [0.0, 0.594], [-0.432, 1.043], [0.432, 1.043]])
_DEPTH_MM = np.array([0.0, 0.0, -36.0, -4.0, -4.0])
# The layout is what photos show, perspective included: place each point so that it projects onto it.
_DISTANCE_MM = CAMERA_DISTANCE_IEDS * _IED_MM
_FACE_MODEL_MM = np.column_stack(
    [_LAYOUT * _IED_MM * ((_DISTANCE_MM + _DEPTH_MM) / _DISTANCE_MM)[:, None], _DEPTH_MM]
)
HEAD_HEIGHT_PER_IED_PLUS_EYE_MOUTH = 1.7
HEAD_WIDTH_PER_IED = 2.45

# Portrait framing used for PaddingRatio: the head (chin to crown) fills 75 % of the frame height, the middle
# of ICAO's 70-80 % for 35x45 mm, the crown 8 % below the frame's top (eyes then sit at 45.5 % of the height,
# inside ISO/IEC 19794-5's 30-50 %), eyes centred horizontally.
FRAME_HEAD_FRACTION = 0.75
FRAME_CROWN_MARGIN = 0.08


@dataclass(frozen=True, slots=True)
class HeadPose:
    """Degrees. Yaw > 0: the face turns towards the image's right side (the person's left). Pitch > 0: the
    chin goes up. Roll > 0: the head tilts counter-clockwise as seen in the image (the image-right eye is
    higher)."""

    yaw: float
    pitch: float
    roll: float


class FaceGeometry:
    """Landmark geometry of one face, computed on first use."""

    def __init__(self, face: Face) -> None:
        self.landmarks = np.asarray(face.landmarks, dtype=np.float64)

    @cached_property
    def eye_mid(self) -> np.ndarray:
        return (self.landmarks[0] + self.landmarks[1]) / 2

    @cached_property
    def mouth_mid(self) -> np.ndarray:
        return (self.landmarks[3] + self.landmarks[4]) / 2

    @cached_property
    def eyes_distance(self) -> float:
        return float(np.linalg.norm(self.landmarks[1] - self.landmarks[0]))

    @cached_property
    def eye_to_mouth(self) -> float:
        return float(np.linalg.norm(self.mouth_mid - self.eye_mid))

    @cached_property
    def roll(self) -> float:
        dx, dy = self.landmarks[1] - self.landmarks[0]
        return math.degrees(math.atan2(-dy, dx))  # image y points down

    @cached_property
    def head_height(self) -> float:
        return HEAD_HEIGHT_PER_IED_PLUS_EYE_MOUTH * (self.eyes_distance + self.eye_to_mouth)

    @cached_property
    def head_width(self) -> float:
        return HEAD_WIDTH_PER_IED * self.eyes_distance

    def upright(self, points: np.ndarray) -> np.ndarray:
        """Points (N×2, image pixels) in the face's upright frame: origin at the eye midpoint, x along the
        eye line towards the image-right eye, y down towards the mouth."""
        angle = math.radians(self.roll)
        cos, sin = math.cos(angle), math.sin(angle)
        rotation = np.array([[cos, -sin], [sin, cos]])  # undoes the counter-clockwise tilt
        return (np.asarray(points, dtype=np.float64) - self.eye_mid) @ rotation.T

    @cached_property
    def pose(self) -> HeadPose:
        points = self.upright(self.landmarks)
        # The principal point sits on the face; the focal length puts the camera CAMERA_DISTANCE_IEDS away.
        focal = CAMERA_DISTANCE_IEDS * max(self.eyes_distance, 1.0)
        camera = np.array([[focal, 0.0, 0.0], [0.0, focal, 0.0], [0.0, 0.0, 1.0]])
        unknown = HeadPose(math.nan, math.nan, self.roll)
        if self.eyes_distance < 1.0:  # degenerate landmarks: nothing to fit
            return unknown
        try:
            ok, rvec, _ = cv2.solvePnP(_FACE_MODEL_MM, points, camera, None, flags=cv2.SOLVEPNP_SQPNP)
        except cv2.error:
            return unknown
        if not ok:
            return unknown
        rotation, _ = cv2.Rodrigues(rvec)
        # Camera axes: x right, y down, z forward. Yaw turns about y, pitch about x.
        yaw = math.degrees(math.atan2(rotation[0, 2], rotation[2, 2]))
        pitch = math.degrees(math.atan2(-rotation[1, 2], math.hypot(rotation[0, 2], rotation[2, 2])))
        # Positive turns of the solved pose move the protruding nose tip to the image's left (about y) and
        # down towards the mouth, i.e. chin down (about x): the documented signs are the opposite.
        return HeadPose(yaw=-yaw, pitch=-pitch, roll=self.roll)

    def portrait_frame(self, aspect: float) -> np.ndarray:
        """The 4 corners (image pixels, 4×2) of the upright portrait frame of width/height `aspect`."""
        height = self.head_height / FRAME_HEAD_FRACTION
        width = height * aspect
        top = -(self.head_height / 2) - FRAME_CROWN_MARGIN * height  # eyes sit mid-way from chin to crown
        corners = np.array(
            [[-width / 2, top], [width / 2, top], [width / 2, top + height], [-width / 2, top + height]]
        )
        angle = math.radians(self.roll)
        cos, sin = math.cos(angle), math.sin(angle)
        back = np.array([[cos, sin], [-sin, cos]])  # inverse of `upright`'s rotation
        return corners @ back.T + self.eye_mid


def padding_ratio(geometry: FaceGeometry, width: int, height: int, aspect: float) -> float:
    """Share (0..1) of the portrait frame's area that lies outside the image and would have to be padded."""
    corners = geometry.portrait_frame(aspect).astype(np.float32)
    frame_area = abs(cv2.contourArea(corners))
    if frame_area <= 0:
        return 0.0
    image = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    inside, _ = cv2.intersectConvexConvex(corners, image)
    return float(min(1.0, max(0.0, 1.0 - inside / frame_area)))
