"""Benchmarks, run with `python -m bench [name ...]` (`make bench` runs the fast set, `make bench-full` all).

A benchmark is a module `bench/<name>.py` with a function `run(settings: BenchSettings) -> Section` that
measures and returns its tables, notes and figures (`bench/section.py`); a module with `FULL_ONLY = True`
runs only in the full set or when named. `python -m bench` finds every such module; add a file and it is
picked up. With `--report` the runner stores each section under `bench/results/raw/` and renders
`bench/results/REPORT.md`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.config import InferenceSettings, ModelSettings

_REPO_ROOT = Path(__file__).resolve().parent.parent


class BenchSettings(BaseSettings):
    """The bench process's settings: the models (`libs.config.ModelSettings`: VISAGE_MODELS_*),
    VISAGE_FACES_DIR (photos to benchmark on), VISAGE_BENCH_RUNS (timed runs per measurement),
    VISAGE_BENCH_THREADS (onnxruntime intra-op threads; default: the usable cores),
    VISAGE_BENCH_FULL (the long variant of each benchmark: more data, more repetitions),
    VISAGE_BENCH_RESULTS_DIR (where the report and its charts go), VISAGE_BENCH_MILVUS_URI (a running
    Milvus server to benchmark instead of one the bench starts), VISAGE_LFW_DIR (the LFW files for
    `bench/lfw.py`; without them that benchmark is skipped) and VISAGE_BENCH_BLINK_DIR (the webcam sequence
    of bench.liveness_blink). An empty variable counts as unset."""

    model_config = SettingsConfigDict(
        env_prefix="VISAGE_", env_ignore_empty=True, extra="ignore", frozen=True
    )

    models: ModelSettings = Field(default_factory=ModelSettings)
    faces_dir: Path = _REPO_ROOT.parent / "shared" / "faces"
    bench_runs: int = 30
    bench_threads: int | None = None
    bench_full: bool = False
    bench_results_dir: Path = _REPO_ROOT / "bench" / "results"
    bench_milvus_uri: str | None = None
    lfw_dir: Path | None = None
    # A folder holding Eyashita/VisageTrack's Dataset/ (bench.liveness_blink).
    bench_blink_dir: Path | None = None

    @property
    def repo_root(self) -> Path:
        return _REPO_ROOT

    @property
    def raw_dir(self) -> Path:
        """Raw data and stored sections: git-ignored."""
        return self.bench_results_dir / "raw"

    def inference_settings(self) -> InferenceSettings:
        if self.bench_threads is None:
            return InferenceSettings()
        return InferenceSettings(intra_op_threads=self.bench_threads)
