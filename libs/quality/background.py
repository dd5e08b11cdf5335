"""Measurements of the background: what lies beside and above the head.

Without a person-segmentation model the background is taken geometrically: every pixel outside the head's
estimated outline (widened for hair and ears) and above the nose tip line, in the face's upright frame. Below
that line is left out entirely: neck, shoulders and clothes fill it in a portrait, and the shoulders of a
tight head-and-shoulders photo often rise above the chin. Work is done on a copy of the image shrunk to at
most 192 px on its longer side: background measures are coarse by nature.
"""

from __future__ import annotations

import math
from functools import cached_property

import cv2
import numpy as np

from libs.quality.geometry import FaceGeometry
from libs.quality.types import RGB

WORK_SIDE = 192
# The head outline is widened and raised by these fractions of its size, for hair and ears.
HEAD_MARGIN_WIDTH = 0.35
HEAD_MARGIN_TOP = 0.25
# Where the background stops: the nose tip line, this many inter-eye distances below the eyes.
NOSE_LINE = 0.6
# Below this share of the image the background is too small to judge.
MIN_BACKGROUND_FRACTION = 0.03
# Pixels (of the ≤192 px copy) each side of the head needs for the side-shadow measure.
MIN_SIDE_PIXELS = 100


class BackgroundPixels:
    """Background measures around one face, each computed on first use."""

    def __init__(self, image_bgr: np.ndarray, geometry: FaceGeometry) -> None:
        self.image = image_bgr
        self.geometry = geometry

    @cached_property
    def _pixels(self) -> np.ndarray:
        """Background pixels as an N×3 float32 RGB array (0..255); empty if the background is too small."""
        return self._samples[0]

    @cached_property
    def _samples(self) -> tuple[np.ndarray, np.ndarray]:
        """The background pixels and, for each, its x in the upright frame of the face (< 0: image-left)."""
        height, width = self.image.shape[:2]
        scale = min(1.0, WORK_SIDE / max(height, width))
        small = self.image
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(self.image, size, interpolation=cv2.INTER_AREA)
        rows, cols = np.mgrid[0 : small.shape[0], 0 : small.shape[1]]
        points = np.stack([cols.ravel() + 0.5, rows.ravel() + 0.5], axis=1) / scale
        upright = self.geometry.upright(points)
        half_height = self.geometry.head_height / 2  # the eyes sit mid-way between chin and crown
        half_width = self.geometry.head_width * (1 + HEAD_MARGIN_WIDTH) / 2
        crown = -half_height * (1 + 2 * HEAD_MARGIN_TOP)
        above_nose = upright[:, 1] < NOSE_LINE * self.geometry.eyes_distance
        # The head as an ellipse from the (raised) crown to the chin.
        centre_y, radius_y = (crown + half_height) / 2, (half_height - crown) / 2
        in_head = ((upright[:, 0] / half_width) ** 2 + ((upright[:, 1] - centre_y) / radius_y) ** 2) <= 1.0
        keep = above_nose & ~in_head
        if keep.mean() < MIN_BACKGROUND_FRACTION:
            return np.zeros((0, 3), dtype=np.float32), np.zeros(0)
        rgb = small.reshape(-1, 3)[keep][:, ::-1]
        return rgb.astype(np.float32), upright[keep, 0]

    @property
    def measurable(self) -> bool:
        return len(self._pixels) > 0

    @cached_property
    def uniformity(self) -> float:
        """Spread of the background's colour, 0 (one flat colour) .. ~0.5: the root-mean-square distance of
        its pixels from their mean colour, per channel, over 255. A plain wall with soft light gradients stays
        under ~0.08; furniture, flags or a window reach 0.2 and more."""
        pixels = self._pixels
        if len(pixels) == 0:
            return math.nan
        spread = np.sqrt(((pixels - pixels.mean(axis=0)) ** 2).sum(axis=1).mean() / 3)
        return float(spread / 255.0)

    @cached_property
    def side_shadow(self) -> float:
        """Left/right brightness asymmetry of the background beside the head, 0..1: |median luma left −
        median luma right| / the brighter one, as ShadowsOnFace measures the face. A head lit from one
        side casts its shadow on the wall on the other side; an evenly lit wall reads under 0.1. NaN when
        either side shows too little background."""
        pixels, side = self._samples
        left, right = pixels[side < 0], pixels[side > 0]
        if len(left) < MIN_SIDE_PIXELS or len(right) < MIN_SIDE_PIXELS:
            return math.nan
        weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # BT.601 luma of RGB
        a, b = float(np.median(left @ weights)), float(np.median(right @ weights))
        brighter = max(a, b)
        return abs(a - b) / brighter if brighter > 1e-6 else 0.0

    def color_distance(self, target: RGB) -> float:
        """Distance of the background's median colour from `target`, 0 (same) .. 1 (black against white):
        Euclidean RGB distance over 255·√3."""
        pixels = self._pixels
        if len(pixels) == 0:
            return math.nan
        median = np.median(pixels, axis=0)
        return float(np.linalg.norm(median - np.asarray(target, dtype=np.float32)) / (255.0 * math.sqrt(3)))
