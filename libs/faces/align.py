"""Five-point alignment of a face to the 112×112 ArcFace template, as `cv2.FaceRecognizerSF.alignCrop` does.

Accuracy lives here: on LFW, this alignment gives SFace 99.30 %, a plain box crop 82.3 % and swapped
left/right landmarks 54.9 % (MODELS.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from libs.faces.types import Face

CROP_SIZE = 112

# The ArcFace template in YuNet's landmark order: image-left eye, image-right eye, nose tip, image-left mouth
# corner, image-right mouth corner.
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


def similarity_transform(source: np.ndarray, target: np.ndarray = ARCFACE_TEMPLATE) -> np.ndarray:
    """The 2×3 rotation + uniform scale + translation that maps `source` points onto `target` best.

    Least squares without reflection (Umeyama 1991), the estimate OpenCV and insightface use.
    """
    src = np.asarray(source, dtype=np.float64).reshape(-1, 2)
    dst = np.asarray(target, dtype=np.float64).reshape(-1, 2)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_centered, dst_centered = src - src_mean, dst - dst_mean
    covariance = dst_centered.T @ src_centered / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    signs = np.ones(2)
    if np.linalg.det(covariance) < 0:  # a reflection fits better: take the best proper rotation instead
        signs[-1] = -1.0
    rotation = u @ np.diag(signs) @ vt
    src_variance = (src_centered**2).sum() / len(src)
    scale = (singular * signs).sum() / src_variance if src_variance > 0 else 1.0
    translation = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, translation[:, None]])


def align_face(image_bgr: np.ndarray, face: Face) -> np.ndarray:
    """The 112×112×3 aligned crop of one face (same channel order as `image_bgr`)."""
    matrix = similarity_transform(face.landmarks_array())
    return cv2.warpAffine(image_bgr, matrix, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR)


def align_faces(image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
    """Aligned crops of several faces of one image as an N×112×112×3 uint8 array (N may be 0)."""
    crops = np.empty((len(faces), CROP_SIZE, CROP_SIZE, 3), dtype=np.uint8)
    for crop, face in zip(crops, faces, strict=True):
        crop[...] = align_face(image_bgr, face)
    return crops
