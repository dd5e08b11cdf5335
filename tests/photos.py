"""The labelled test photos: tests/data/faces/LABELS.csv, and the derived photos it names, made at run time.

A row with a `transform` is not a file in the repository: it is made from the row's `derived_from` photo by
the transform of that name (rotations, a small face in a canvas, a letterboxed frame, an RGBA copy, noise), so
the data set stays small and every derived photo is reproducible from a licensed original.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tests.paths import FACES_DIR


@dataclass(frozen=True)
class LabelledPhoto:
    """One row of LABELS.csv; `file` is the absolute path (of the made file, for a derived photo)."""

    path: str
    source: str
    identity: str
    kind: str  # single, multi, noface, live, turned, spoof, invalid, blink (frames kept for the eye checks)
    faces: str  # "N" faces exactly, ">=N" at least N (counted by other detectors), "" unknown
    notes: str
    derived_from: str
    transform: str
    file: Path

    @property
    def upright(self) -> bool:
        """False for a copy turned 90° or 180°: YuNet's upright landmarks cannot align it (a known miss)."""
        return not self.transform.startswith("rotate")


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    return image


def _small_in_canvas(image: np.ndarray) -> np.ndarray:
    """The photo shrunk to 96 px in a 640×480 grey frame: a face of about 20 px, off centre."""
    canvas = np.full((480, 640, 3), 128, np.uint8)
    canvas[300:396, 420:516] = cv2.resize(image, (96, 96), interpolation=cv2.INTER_AREA)
    return canvas


def _letterbox_1080p(image: np.ndarray) -> np.ndarray:
    """The photo scaled to 1080 px high, centred on a black 1920×1080 frame."""
    height, width = image.shape[:2]
    scaled = cv2.resize(image, (round(width * 1080 / height), 1080), interpolation=cv2.INTER_AREA)
    frame = np.zeros((1080, 1920, 3), np.uint8)
    left = (1920 - scaled.shape[1]) // 2
    frame[:, left : left + scaled.shape[1]] = scaled
    return frame


def _rgba(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)


def _noise(_: np.ndarray | None) -> np.ndarray:
    return np.random.default_rng(8).integers(0, 256, (480, 640, 3), dtype=np.uint8)


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "rotate90": lambda image: cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE),
    "rotate180": lambda image: cv2.rotate(image, cv2.ROTATE_180),
    "small_in_canvas": _small_in_canvas,
    "letterbox_1080p": _letterbox_1080p,
    "rgba_png": _rgba,
    "noise": _noise,
}


def load_labels(derived_dir: Path, faces_dir: Path = FACES_DIR) -> list[LabelledPhoto]:
    """Every labelled photo; derived ones are written below `derived_dir` first."""
    with (faces_dir / "LABELS.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    photos = []
    for row in rows:
        file = faces_dir / row["path"]
        if row["transform"]:
            file = derived_dir / row["path"]
            source = _read(faces_dir / row["derived_from"]) if row["derived_from"] else None
            file.parent.mkdir(parents=True, exist_ok=True)
            params = [cv2.IMWRITE_JPEG_QUALITY, 95] if file.suffix == ".jpg" else []
            assert cv2.imwrite(str(file), TRANSFORMS[row["transform"]](source), params), file
        photos.append(LabelledPhoto(**row, file=file))
    return photos
