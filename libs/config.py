"""Settings pieces shared by the processes.

Each process composes these into its own single, frozen `pydantic-settings` object (see
`services/<name>/settings.py` and `gateway/settings.py`); nothing else reads the environment. `ModelSettings`
is itself one, nested in each process that loads models, since they all read the same VISAGE_MODELS_*.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from libs.settings import ProcessSettings


class ModelSettings(ProcessSettings):
    """Where model files come from: the one settings object for it, read by every process that loads models
    (services, `visage-models`, the benchmarks) from VISAGE_MODELS_DIR, VISAGE_MODELS_CACHE_DIR,
    VISAGE_MODELS_ALLOW_DOWNLOAD and VISAGE_MODELS_RECOGNIZER, or the `[models]` section of the settings file.
    An empty variable counts as unset (the Makefile exports an empty VISAGE_MODELS_DIR when ../shared is
    absent)."""

    section: ClassVar[str] = "models"
    model_config = SettingsConfigDict(env_prefix="VISAGE_MODELS_", env_ignore_empty=True)

    # Checked first; CI points it at ../shared/models.
    dir: Path | None = None
    # Checked second, and where downloads go; None means the platform's user cache directory.
    cache_dir: Path | None = None
    # Whether a missing model may be downloaded from its upstream URL (sha256-checked).
    allow_download: bool = True
    # The SFace file: "sface_int8bq" (official quantised file, fixed at load) or "sface_fp32".
    recognizer: str = "sface_int8bq"


class ImageLimits(BaseModel):
    """Limits applied before and during decoding."""

    model_config = ConfigDict(frozen=True)

    max_encoded_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    # 40 megapixels: a 7000x5700 photo passes, a decompression bomb does not.
    max_pixels: int = Field(default=40_000_000, gt=0)


def default_thread_count() -> int:
    """Threads for one onnxruntime session: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class InferenceSettings(BaseModel):
    """How the face models run."""

    model_config = ConfigDict(frozen=True)

    intra_op_threads: int = Field(default_factory=default_thread_count, ge=1)
    # The detector sees the image scaled so its longer side is this many pixels (up or down).
    detector_input_side: int = Field(default=640, ge=128, le=4096)
    detector_score_threshold: float = Field(default=0.6, gt=0.0, lt=1.0)
    detector_nms_threshold: float = Field(default=0.3, gt=0.0, lt=1.0)
    detector_max_faces: int = Field(default=100, ge=1)
    # Where the models run: "cpu", or "cuda" (onnxruntime's CUDA execution provider, GPU `cuda_device`; needs
    # the onnxruntime-gpu image, deploy/README.md). Without a usable CUDA provider the models run on the CPU
    # and a warning says so.
    execution_provider: Literal["cpu", "cuda"] = "cpu"
    cuda_device: int = Field(default=0, ge=0)
