"""The one port the use cases need: something that finds and describes faces (`libs.faces.FaceEngine`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from libs.faces.types import Face


class FaceAnalyzer(Protocol):
    def detect(self, image_bgr: np.ndarray, only_central: bool = False) -> list[Face]:
        """All faces, best score first; or only the one nearest the image centre."""
        ...

    def describe(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        """N×128 float32 unit descriptors of `faces`, one batched call."""
        ...
