"""Whether a head turn moved like a head or like a flat picture turned in front of the camera.

A flat picture (a print, a screen) moves all its points by one homography, however it is turned; a head does
not: its nose tip stands out of the plane of its eyes and mouth corners. `plane_misfit` fits the one
homography that best carries a frontal frame's five landmarks onto a turned frame's (least squares) and says
how far they stay from it, over the eye distance. Measured in bench/liveness_depth.py on 103 real turns (a
frontal and a turned photo of one person) and 828 frontal photos turned 25-45° as flat pictures: real turns
0.053-0.55 (median 0.17), flat pictures 0.002-0.28 (median 0.025; the large ones where YuNet misplaces the
landmarks of a steeply turned picture). The 468 points of the face mesh separate them no better.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

# A turn counts only if the landmarks moved at least this far off one plane: the highest threshold refusing
# at most 2 % of the real turns of bench/liveness_depth.py.
MIN_PLANE_MISFIT = 0.06


def plane_misfit(before: np.ndarray, after: np.ndarray, eye_distance: float) -> float:
    """RMS distance of `after`'s points (N×2 pixels) from `before`'s carried by their best homography (least
    squares), over `eye_distance` (pixels, in `after`): about 0 for a flat picture; NaN when none fits."""
    if len(before) < 5 or len(before) != len(after) or eye_distance < 1.0:
        return math.nan
    source, target = np.asarray(before, np.float32), np.asarray(after, np.float32)
    plane, _ = cv2.findHomography(source, target, 0)
    if plane is None:
        return math.nan
    carried = cv2.perspectiveTransform(source[None], plane)[0]
    return float(np.sqrt(np.mean(np.sum((carried - target) ** 2, axis=1))) / eye_distance)
