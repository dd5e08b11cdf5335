"""Landmarks re-measured on the face turned upright.

YuNet regresses its five landmarks with an upright-face prior. Seven portraits of shared/faces turned about
their eyes by ±30° read 18-34° of roll, by ±45° only 15-36°. Re-detecting on a region turned upright by the
first estimate and mapping the landmarks back gives 27-32.5° and 41.5-50°. Roll, and every check that uses
the landmarks (pose, head size, the canonical face patch), is only as good as the landmarks, so the detect use
case should pass a face through `remeasure_upright` before `assess` (and before cropping: the alignment gains
as much).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from libs.faces.types import Face

# The upright region's side, in face-box sizes: enough context for the detector to see a whole face.
REGION_BOXES = 3.0
# Longest side of the region handed to the detector (YuNet's usual input side).
REGION_MAX_SIDE = 640
# A second round runs only if the first moved the tilt by this much or more.
MAX_ROUNDS = 2
SETTLED_DEGREES = 3.0

Detect = Callable[[np.ndarray], list[Face]]


def remeasure_upright(image_bgr: np.ndarray, face: Face, detect: Detect, min_tilt: float = 0.0) -> Face:
    """`face` with its landmarks re-measured on the face turned upright in a region REGION_BOXES box sizes
    wide (box and score are kept). `detect` is the detector, e.g. `FaceEngine.detect`.

    Returns `face` unchanged if the detector does not find it again there, or if its eye line is tilted by
    less than `min_tilt` degrees. The default (0: always) measures every face at the same scale and
    orientation, which keeps pose and roll steady between a photo and edited copies of it (the landmarks of
    one face at two scales can differ by 5°); 8 saves the extra detection on upright faces and still fixes
    tilted ones."""
    if abs(_tilt(face)) < min_tilt:
        return face
    current = face
    for _ in range(MAX_ROUNDS):
        tilt = _tilt(current)
        found = _redetect_upright(image_bgr, current, tilt, detect)
        if found is None:
            break
        current = found
        if abs(_tilt(found) - tilt) < SETTLED_DEGREES:
            break
    return current


def _tilt(face: Face) -> float:
    (lx, ly), (rx, ry) = face.landmarks[0], face.landmarks[1]
    return math.degrees(math.atan2(ly - ry, rx - lx))  # image y points down


def _redetect_upright(image_bgr: np.ndarray, face: Face, tilt: float, detect: Detect) -> Face | None:
    landmarks = np.asarray(face.landmarks, dtype=np.float64)
    reach = REGION_BOXES * max(face.w, face.h)
    scale = min(1.0, REGION_MAX_SIDE / reach)  # the detector would shrink a larger region anyway
    side = math.ceil(reach * scale)
    centre = (landmarks[0] + landmarks[1]) / 2
    # Turn by -tilt about the eye midpoint, scale, and move that point to the middle of a side×side region.
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), -tilt, scale)
    matrix[:, 2] += side / 2 - centre
    region = cv2.warpAffine(
        image_bgr, matrix, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    candidates = detect(region)
    if not candidates:
        return None

    def distance_to_middle(candidate: Face) -> float:
        points = np.asarray(candidate.landmarks)
        return float(np.linalg.norm((points[0] + points[1]) / 2 - side / 2))

    best = min(candidates, key=distance_to_middle)
    if distance_to_middle(best) > 0.5 * face.w * scale:  # another face, not this one
        return None
    inverse = cv2.invertAffineTransform(matrix)
    points = np.asarray(best.landmarks, dtype=np.float64)
    back = points @ inverse[:, :2].T + inverse[:, 2]
    return Face(face.x, face.y, face.w, face.h, face.score, tuple((float(x), float(y)) for x, y in back))  # type: ignore[arg-type]
