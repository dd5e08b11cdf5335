"""Measurements of the face's pixels: sharpness, noise, exposure, glare, side shadows, dynamic range.

Most work on one canonical face patch: the face warped by its five landmarks onto the ArcFace template scaled
to 192×192 (eyes ≈ 60 px apart), so every measure sees a face of the same size whatever the photo's
resolution. Faces smaller than that are not enlarged (an upscaled face would read as blurred). Noise is the
exception: it is a per-pixel property, so it is measured on the original pixels.

Luminance is BT.601 luma (what JPEG stores) scaled to 0..1.
"""

from __future__ import annotations

import math
from functools import cached_property

import cv2
import numpy as np

from libs.faces.align import ARCFACE_TEMPLATE, CROP_SIZE, similarity_transform
from libs.quality.geometry import FaceGeometry

PATCH_SIZE = 192
PATCH_EYES_DISTANCE = (
    PATCH_SIZE / CROP_SIZE * float(np.linalg.norm(ARCFACE_TEMPLATE[1] - ARCFACE_TEMPLATE[0]))
)
# Share of the skin ellipse that must lie inside the image for the pixel measures to be reported.
MIN_VISIBLE_FRACTION = 0.9
# Near-white pixels (luma ≥ 0.96 with low saturation): burnt-out highlights.
CLIPPED_LUMA = 0.96
# Natural skin in CIELAB (a*, b*), and the distance outside it that reads as fully unnatural.
NATURAL_A = (3.0, 30.0)
NATURAL_B = (3.0, 35.0)
UNNATURAL_SPAN = 20.0
# Width of the re-blur filter of the blur effect metric (Crété-Roffet et al. 2007, as scikit-image uses).
REBLUR_SIZE = 11


def _luma(bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0


class FacePixels:
    """Pixel measures of one face, each computed on first use."""

    def __init__(self, image_bgr: np.ndarray, geometry: FaceGeometry) -> None:
        self.image = image_bgr
        self.geometry = geometry

    @cached_property
    def _size(self) -> int:
        """Side of the patch: PATCH_SIZE, or less for a face too small to fill it at its own scale."""
        shrink = min(1.0, self.geometry.eyes_distance / PATCH_EYES_DISTANCE)
        return max(32, round(PATCH_SIZE * shrink))

    def _box(self, left: float, top: float, right: float, bottom: float) -> tuple[slice, slice]:
        """Rows and columns of a rectangle given in the 112×112 ArcFace layout."""
        k = self._size / CROP_SIZE
        return slice(round(top * k), round(bottom * k)), slice(round(left * k), round(right * k))

    @cached_property
    def _patch(self) -> tuple[np.ndarray, np.ndarray]:
        """The canonical patch (BGR) and the mask of its pixels that come from inside the image."""
        size = self._size
        target = ARCFACE_TEMPLATE * (size / CROP_SIZE)
        scale = size / PATCH_SIZE * PATCH_EYES_DISTANCE / max(self.geometry.eyes_distance, 1e-6)
        source, points = self.image, self.geometry.landmarks
        if scale < 0.75:
            # Shrink by area averaging first: warpAffine's bilinear sampling would alias fine detail.
            source, points = self._shrunk_region(scale) or (source, points)
        matrix = similarity_transform(points, target)
        patch = cv2.warpAffine(source, matrix, (size, size), flags=cv2.INTER_LINEAR)
        inside = np.full(source.shape[:2], 255, dtype=np.uint8)
        mask = cv2.warpAffine(inside, matrix, (size, size), flags=cv2.INTER_NEAREST) > 0
        return patch, mask

    def _shrunk_region(self, scale: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The image region around the face shrunk by `scale`, and the landmarks in it; None if the face lies
        wholly outside the image."""
        height, width = self.image.shape[:2]
        reach = 2.5 * self.geometry.eyes_distance + self.geometry.eye_to_mouth
        cx, cy = self.geometry.eye_mid
        left, top = max(0, int(cx - reach)), max(0, int(cy - reach))
        right, bottom = min(width, math.ceil(cx + reach)), min(height, math.ceil(cy + reach))
        if right <= left or bottom <= top:
            return None
        region = self.image[top:bottom, left:right]
        size = (max(1, round(region.shape[1] * scale)), max(1, round(region.shape[0] * scale)))
        shrunk = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
        factors = np.array([size[0] / region.shape[1], size[1] / region.shape[0]])
        return shrunk, (self.geometry.landmarks - [left, top]) * factors

    @cached_property
    def _skin_mask(self) -> np.ndarray:
        """An ellipse over brows, eyes, nose, cheeks and mouth in the ArcFace layout (no hair, no ears)."""
        mask = np.zeros((self._size, self._size), dtype=np.uint8)
        k = self._size / CROP_SIZE
        cv2.ellipse(mask, (round(56 * k), round(70 * k)), (round(30 * k), round(38 * k)), 0, 0, 360, 255, -1)
        return mask > 0

    @cached_property
    def visible(self) -> bool:
        """Whether enough of the face lies inside the image for its pixels to be judged."""
        _, inside = self._patch
        skin = self._skin_mask
        return bool(inside[skin].mean() >= MIN_VISIBLE_FRACTION)

    @cached_property
    def _skin_luma(self) -> np.ndarray:
        patch, inside = self._patch
        return _luma(patch)[self._skin_mask & inside]

    @cached_property
    def blur_level(self) -> float:
        """Blur effect (Crété-Roffet 2007) of the inner face, 0 sharp .. 1 fully blurred.

        The patch is re-blurred with an 11-pixel box filter; the less the neighbouring-pixel differences drop,
        the blurrier the face already was. A ratio, so exposure and contrast do not change it.
        """
        patch, inside = self._patch
        rows, cols = self._box(28, 38, 84, 100)
        luma = _luma(patch)[rows, cols].astype(np.float64)
        valid = inside[rows, cols]
        results = []
        for axis in (0, 1):
            kernel = (1, REBLUR_SIZE) if axis == 1 else (REBLUR_SIZE, 1)
            reblurred = cv2.blur(luma, kernel[::-1], borderType=cv2.BORDER_REFLECT)
            d_orig = np.abs(np.diff(luma, axis=axis))
            d_blur = np.abs(np.diff(reblurred, axis=axis))
            both = np.logical_and(
                valid[1:, :] if axis == 0 else valid[:, 1:], valid[:-1, :] if axis == 0 else valid[:, :-1]
            )
            total = d_orig[both].sum()
            if total <= 1e-9:
                results.append(1.0)
                continue
            lost = np.maximum(0.0, d_orig - d_blur)[both].sum()
            results.append(float((total - lost) / total))
        return max(results)

    @cached_property
    def noise_level(self) -> float:
        """Standard deviation of the luma noise in 8-bit grey levels (Immerkær 1996), measured on the face's
        own pixels at their original resolution, the busier half excluded so texture is not counted as noise.
        Independent noise of σ in each of R, G, B shows as about 0.67 σ in luma."""
        height, width = self.image.shape[:2]
        half = 0.9 * self.geometry.eyes_distance
        cx, cy = self.geometry.eye_mid + (self.geometry.mouth_mid - self.geometry.eye_mid) * 0.5
        # At most 384 px square: a larger face has more than enough pixels for a stable estimate.
        half = min(half, 192.0)
        left, top = max(0, int(cx - half)), max(0, int(cy - half))
        right, bottom = min(width, int(cx + half)), min(height, int(cy + half))
        if right - left < 8 or bottom - top < 8:
            return float("nan")
        grey = cv2.cvtColor(self.image[top:bottom, left:right], cv2.COLOR_BGR2GRAY).astype(np.float32)
        kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
        response = np.abs(cv2.filter2D(grey, -1, kernel, borderType=cv2.BORDER_REFLECT))[1:-1, 1:-1]
        # Edges are found on a smoothed copy, so that the noise itself does not decide which pixels count.
        smooth = cv2.GaussianBlur(grey, (0, 0), 1.5)
        gradient = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))[
            1:-1, 1:-1
        ]
        flat = gradient <= np.percentile(gradient, 50)
        if flat.sum() < 16:
            return float("nan")
        return float(math.sqrt(math.pi / 2) * response[flat].mean() / 6.0)

    @cached_property
    def dynamic_range(self) -> float:
        """Entropy, in bits (0..8), of the 256-bin luma histogram of the face, as ISO/IEC 29794-5 measures a
        face's dynamic range: a flat, under- or over-exposed face uses few grey levels."""
        histogram = np.bincount(np.clip(self._skin_luma * 255 + 0.5, 0, 255).astype(np.int64), minlength=256)
        p = histogram[histogram > 0] / histogram.sum()
        return float(-(p * np.log2(p)).sum())

    @cached_property
    def too_dark(self) -> float:
        """How far the face's highlights fall short of mid-grey, 0..1: (0.5 − p95) / 0.5, clipped, where p95
        is the 95th percentile of the face's luma. 0 when the brightest twentieth of the face reaches
        mid-grey.

        Percentiles of the highlights, not the mean, so skin tone does not count as darkness: a well-lit face
        of any tone has forehead, nose and cheekbone highlights at or above mid-grey (all well-lit faces of
        shared/faces do), an underexposed one does not."""
        p95 = float(np.percentile(self._skin_luma, 95))
        return min(1.0, max(0.0, (0.5 - p95) / 0.5))

    @cached_property
    def too_light(self) -> float:
        """Fraction (0..1) of the face's pixels brighter than luma 0.9 (230 of 255): skin washed out towards
        white. Fair skin in strong but correct light stays mostly below that level (shared/faces: at most
        a fifth of the face above it); an over-exposed face crosses it almost everywhere."""
        return float((self._skin_luma > 0.9).mean())

    @cached_property
    def glare(self) -> float:
        """Fraction (0..1) of the face's pixels that are burnt-out highlights: luma ≥ 0.96 and nearly
        colourless (HSV saturation < 0.15), which is what a specular reflection on skin looks like."""
        patch, inside = self._patch
        hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
        region = self._skin_mask & inside
        luma = _luma(patch)
        clipped = (luma >= CLIPPED_LUMA) & (hsv[..., 1] < 0.15 * 255)
        return float(clipped[region].mean())

    @cached_property
    def side_shadow(self) -> float:
        """Left/right illumination asymmetry, 0..1: |median luma of the face's left half − of its right half|
        / the brighter median. Light from one side leaves one half of the face in shadow; a shadow symmetric
        about the nose (a cap's brim) is not seen by this measure, and a face turned sideways reads a little
        higher (its far cheek catches less light)."""
        patch, inside = self._patch
        luma = _luma(patch)
        region = self._skin_mask & inside
        middle = self._size // 2
        left, right = luma[:, :middle][region[:, :middle]], luma[:, middle:][region[:, middle:]]
        if left.size < 50 or right.size < 50:
            return float("nan")
        # Medians ignore the eye and nostril pixels that differ between halves for reasons other than light.
        a, b = float(np.median(left)), float(np.median(right))
        brighter = max(a, b)
        return abs(a - b) / brighter if brighter > 1e-6 else 0.0

    @cached_property
    def skin_chroma(self) -> tuple[float, float]:
        """Median CIELAB a* (green − / red +) and b* (blue − / yellow +) of the face's pixels."""
        patch, inside = self._patch
        lab = cv2.cvtColor(patch.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
        region = self._skin_mask & inside
        return float(np.median(lab[..., 1][region])), float(np.median(lab[..., 2][region]))

    @cached_property
    def unnatural_tone(self) -> float:
        """How far the face's colour lies outside the range of natural skin, 0 (inside) .. 1: the distance of
        its median (a*, b*) from the box NATURAL_A × NATURAL_B, over UNNATURAL_SPAN, clipped. Skin of every
        tone is reddish-yellow (a* and b* both positive); a colour cast, a tinted or over-saturated photo
        moves it out. The idea is ISO/IEC 29794-5's natural colour measure; the box is ours (README.md)."""
        a, b = self.skin_chroma
        da = max(NATURAL_A[0] - a, 0.0, a - NATURAL_A[1])
        db = max(NATURAL_B[0] - b, 0.0, b - NATURAL_B[1])
        return min(1.0, math.hypot(da, db) / UNNATURAL_SPAN)
