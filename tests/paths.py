"""Where the test data is: VISAGE_MODELS_DIR / VISAGE_FACES_DIR, else ../shared beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

_SHARED = Path(__file__).resolve().parents[2] / "shared"

MODELS_DIR = Path(os.environ.get("VISAGE_MODELS_DIR") or _SHARED / "models")
FACES_DIR = Path(os.environ.get("VISAGE_FACES_DIR") or _SHARED / "faces")
