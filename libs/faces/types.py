"""The result objects of the face pipeline."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face, in pixels of the image it was found in.

    `x, y` is the top-left corner of the box and `w, h` its size; the box lies inside the image.
    `landmarks` are five points in YuNet's order: right eye, left eye, nose tip, right mouth corner, left
    mouth corner, where "right" is the person's right, i.e. the eye on the image's left comes first. Landmarks
    of a face cut by the image border may lie outside the image.
    """

    x: float
    y: float
    w: float
    h: float
    score: float
    landmarks: tuple[Point, Point, Point, Point, Point]

    def __post_init__(self) -> None:
        numbers = (self.x, self.y, self.w, self.h, self.score, *(c for p in self.landmarks for c in p))
        if not all(math.isfinite(n) for n in numbers):
            raise ValueError(f"face has a non-finite number: {self}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"face score {self.score} is outside 0..1")
        if self.w <= 0 or self.h <= 0:
            raise ValueError(f"face box {self.w}x{self.h} is empty")
        if self.x < 0 or self.y < 0:
            raise ValueError(f"face box starts outside the image at ({self.x}, {self.y})")
        if len(self.landmarks) != 5 or any(len(p) != 2 for p in self.landmarks):
            raise ValueError("a face has exactly five (x, y) landmarks")

    @classmethod
    def from_arrays(cls, box: np.ndarray, score: float, landmarks: np.ndarray) -> Face:
        """Build from a 4-vector `x, y, w, h` and a 5×2 landmark array (any float dtype)."""
        points = tuple(
            (float(px), float(py)) for px, py in np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
        )
        x, y, w, h = (float(v) for v in box)
        return cls(x, y, w, h, float(score), points)  # type: ignore[arg-type]

    @property
    def center(self) -> Point:
        return self.x + self.w / 2, self.y + self.h / 2

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.x, self.y, self.w, self.h

    def landmarks_array(self) -> np.ndarray:
        """The landmarks as a fresh 5×2 float32 array."""
        return np.array(self.landmarks, dtype=np.float32)
