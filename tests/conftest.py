"""Fixtures shared by every test tier: where the models and labelled photos are, and one face engine.

Photos come from tests/data/faces only (tests/photos.py); the models from VISAGE_MODELS_DIR through
tests/paths.py, the one place that reads the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from libs.config import InferenceSettings, ModelSettings
from libs.faces import FaceEngine
from libs.faces.detector import most_central
from libs.faces.types import Face
from libs.imaging.decode import decode_image
from tests.paths import FACES_DIR, MODELS_DIR
from tests.photos import LabelledPhoto, load_labels

pytest_plugins = ["tests.fixtures_stores"]


@dataclass(frozen=True)
class PhotoFaces:
    """What the engine found in one labelled photo; the descriptor is the most central face's."""

    faces: tuple[Face, ...]
    central: Face | None
    descriptor: np.ndarray | None
    width: int
    height: int


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return MODELS_DIR


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    return FACES_DIR


@pytest.fixture(scope="session")
def model_settings(models_dir: Path) -> ModelSettings:
    # Tests never download: a missing model fails with the registry's message on how to get it.
    return ModelSettings(dir=models_dir if models_dir.is_dir() else None, allow_download=False)


@pytest.fixture(scope="session")
def labels(tmp_path_factory: pytest.TempPathFactory) -> list[LabelledPhoto]:
    return load_labels(tmp_path_factory.mktemp("derived-photos"))


@pytest.fixture(scope="session")
def face_engine(model_settings: ModelSettings) -> FaceEngine:
    return FaceEngine.create(model_settings, InferenceSettings())


@pytest.fixture(scope="session")
def photo_faces(face_engine: FaceEngine) -> Callable[[LabelledPhoto], PhotoFaces]:
    """Detection and central descriptor of a labelled photo, computed once per session."""
    cache: dict[Path, PhotoFaces] = {}

    def analyze(photo: LabelledPhoto) -> PhotoFaces:
        if photo.file not in cache:
            image = decode_image(photo.file.read_bytes())
            faces = face_engine.detect(image)
            central = most_central(faces, image.shape[1], image.shape[0])
            descriptor = face_engine.describe(image, [central])[0] if central is not None else None
            cache[photo.file] = PhotoFaces(tuple(faces), central, descriptor, image.shape[1], image.shape[0])
        return cache[photo.file]

    return analyze
