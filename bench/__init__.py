"""Benchmarks, run with `python -m bench [name ...]` (`make bench` runs them all).

A benchmark is a module `bench/<name>.py` with a function `run(settings: BenchSettings) -> None` that prints
its results as a table. `python -m bench` finds every such module; add a file and it is picked up.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.config import InferenceSettings, ModelSettings

_REPO_ROOT = Path(__file__).resolve().parent.parent


class BenchSettings(BaseSettings):
    """The bench process's settings: VISAGE_MODELS_DIR, VISAGE_MODELS_CACHE_DIR, VISAGE_MODELS_ALLOW_DOWNLOAD,
    VISAGE_MODELS_RECOGNIZER, VISAGE_FACES_DIR (photos to benchmark on), VISAGE_BENCH_RUNS (timed runs per
    measurement) and VISAGE_BENCH_THREADS (onnxruntime intra-op threads; default: the usable cores). An empty
    variable counts as unset."""

    model_config = SettingsConfigDict(
        env_prefix="VISAGE_", env_ignore_empty=True, extra="ignore", frozen=True
    )

    models_dir: Path | None = None
    models_cache_dir: Path | None = None
    models_allow_download: bool = True
    models_recognizer: str = "sface_int8bq"
    faces_dir: Path = _REPO_ROOT.parent / "shared" / "faces"
    bench_runs: int = 30
    bench_threads: int | None = None

    def model_settings(self) -> ModelSettings:
        return ModelSettings(
            models_dir=self.models_dir,
            cache_dir=self.models_cache_dir,
            allow_download=self.models_allow_download,
            recognizer=self.models_recognizer,
        )

    def inference_settings(self) -> InferenceSettings:
        if self.bench_threads is None:
            return InferenceSettings()
        return InferenceSettings(intra_op_threads=self.bench_threads)
