"""Where the test data is: the photos the project carries (tests/data/faces) and the models.

Photos never come from outside the clone: `VISAGE_FACES_DIR` (../shared/faces) is the benchmarks' set, and CI
points it at an empty folder to prove that no test reaches for it. Models come from VISAGE_MODELS_DIR, else
../shared/models beside the checkout, else the user cache where `make models` puts them.
"""

from __future__ import annotations

import os
from pathlib import Path

from libs.models.fetch import default_cache_dir

_SHARED = Path(__file__).resolve().parents[2] / "shared"

FACES_DIR = Path(__file__).resolve().parent / "data" / "faces"


def _models_dir() -> Path:
    """VISAGE_MODELS_DIR, else ../shared/models, else the user cache that `make models` downloads into."""
    if configured := os.environ.get("VISAGE_MODELS_DIR"):
        return Path(configured)
    return _SHARED / "models" if (_SHARED / "models").is_dir() else default_cache_dir()


MODELS_DIR = _models_dir()
# What tests leave for a person to look at (screenshots); gitignored, kept after the run.
ARTIFACTS_DIR = Path(__file__).resolve().parents[1] / "test-artifacts"
