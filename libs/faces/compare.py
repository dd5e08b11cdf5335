"""Comparing SFace descriptors: cosine, distance, similarity and the one "same person" threshold.

All three scales say the same thing and convert exactly into each other:

- `cosine` in -1..1, higher = more alike;
- `distance = sqrt(2 - 2·cosine)`, the L2 distance between unit descriptors, 0..2, lower = more alike. This is
  what the Regula API calls `score`/`distance` and what Milvus returns for an L2 index;
- `similarity` in 0..1, higher = more alike: a logistic curve of the cosine centred on the threshold,
  `1 / (1 + exp(-18·(cosine - 0.38)))`, so similarity ≥ 0.5 means "same person". The slope 18 is the
  maximum-likelihood fit (genuine and impostor pairs weighted equally) on the labelled photos: about 0.04 for
  a typical impostor pair (cosine 0.2), 0.9 at cosine 0.5, 0.998 for a typical genuine pair (cosine 0.73).

Threshold, chosen on the labelled photos (39 identities with 2+ photos, 176 photos, 371 genuine and 15,029
impostor pairs, most central face, YuNet 2026may + SFace int8bq): cosine 0.38 is the lowest threshold with a
false accept rate ≤ 0.1 % (12 pairs, 0.08 %); it rejects 5 genuine pairs (1.3 %), all with a 90° or 180°
rotated photo, which YuNet's upright landmarks cannot align at any threshold. Accuracy over all pairs:
99.89 %. opencv_zoo's LFW-tuned 0.363 accepts 20 impostor pairs here (0.13 %) and rejects the same 5.
"""

from __future__ import annotations

import math

import numpy as np

SAME_PERSON_COSINE = 0.38
SAME_PERSON_DISTANCE = math.sqrt(2.0 - 2.0 * SAME_PERSON_COSINE)  # 1.1136
SIMILARITY_SLOPE = 18.0


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the angle between two descriptors (they need not be normalised)."""
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.clip(a @ b / norms, -1.0, 1.0)) if norms > 0 else 0.0


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosines between every row of `a` (N×D) and every row of `b` (M×D): an N×M float64 array."""
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    b = np.atleast_2d(np.asarray(b, dtype=np.float64))
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), np.finfo(np.float64).tiny)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), np.finfo(np.float64).tiny)
    return np.clip(a @ b.T, -1.0, 1.0)


def distance_from_cosine(cos: float | np.ndarray) -> float | np.ndarray:
    """L2 distance between unit vectors with this cosine, 0..2."""
    result = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * np.clip(cos, -1.0, 1.0)))
    return float(result) if np.ndim(result) == 0 else result


def cosine_from_distance(distance: float | np.ndarray) -> float | np.ndarray:
    """Inverse of `distance_from_cosine`."""
    result = 1.0 - np.square(np.clip(distance, 0.0, 2.0)) / 2.0
    return float(result) if np.ndim(result) == 0 else result


def similarity_from_cosine(cos: float | np.ndarray) -> float | np.ndarray:
    """The 0..1 similarity: 0.5 exactly at `SAME_PERSON_COSINE`, monotone in the cosine."""
    result = 1.0 / (1.0 + np.exp(-SIMILARITY_SLOPE * (np.clip(cos, -1.0, 1.0) - SAME_PERSON_COSINE)))
    return float(result) if np.ndim(result) == 0 else result


def is_same_person(cos: float) -> bool:
    """The one decision rule of Visage: cosine at or above `SAME_PERSON_COSINE`."""
    return cos >= SAME_PERSON_COSINE
