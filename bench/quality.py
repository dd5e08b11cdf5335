"""What portrait quality adds to /api/detect: detection alone against detection plus the full quality set.

On a 640×480 JPEG made from a real portrait (one face): "detect" is `FaceEngine.detect`; "detect+quality" is
the same detection, then the central face's landmarks re-measured upright (`remeasure_upright`, one more
detection on a ≤640 px region) and `assess` with the QualityFull scenario (all 48 characteristics). The two
are timed alternately, one call each per round, so a busy machine slows both alike. Medians; the parts are
timed on their own afterwards.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from bench import BenchSettings
from libs.faces import FaceEngine
from libs.faces.detector import most_central
from libs.imaging.decode import decode_image
from libs.quality import assess, remeasure_upright

SOURCE_PHOTO = "face_recognition/examples/knn_examples/train/alex_lacamoire/img1.jpg"  # 874×1200 portrait
SIZE = (640, 480)
WARM_UP = 5


def _photo(faces_dir: Path) -> np.ndarray:
    """The portrait centre-cropped to 4:3, resized to 640×480 and passed through JPEG quality 90."""
    image = cv2.imread(str(faces_dir / SOURCE_PHOTO), cv2.IMREAD_COLOR)
    width, height = SIZE
    src_h, src_w = image.shape[:2]
    crop_w = min(src_w, round(src_h * width / height))
    crop_h = min(src_h, round(crop_w * height / width))
    top = max(0, int(0.1 * (src_h - crop_h)))  # keep the head, which sits high in the portrait
    left = (src_w - crop_w) // 2
    resized = cv2.resize(image[top : top + crop_h, left : left + crop_w], SIZE, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return decode_image(data.tobytes())


def _detect_and_assess(engine: FaceEngine, image: np.ndarray) -> object:
    faces = engine.detect(image)
    face = most_central(faces, image.shape[1], image.shape[0])
    if face is None:
        raise RuntimeError(f"no face found in the benchmark photo {SOURCE_PHOTO}")
    face = remeasure_upright(image, face, engine.detect)
    return assess(image, face, faces, None, "QualityFull")


def _paired_medians(
    plain: Callable[[], object], full: Callable[[], object], runs: int
) -> tuple[float, float]:
    for _ in range(WARM_UP):
        plain()
        full()
    plain_times, full_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        plain()
        middle = time.perf_counter()
        full()
        full_times.append(time.perf_counter() - middle)
        plain_times.append(middle - start)
    return statistics.median(plain_times) * 1000, statistics.median(full_times) * 1000


def _median_ms(call: Callable[[], object], runs: int) -> float:
    for _ in range(WARM_UP):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(settings: BenchSettings) -> None:
    inference = settings.inference_settings()
    engine = FaceEngine.create(settings.model_settings(), inference)
    image = _photo(settings.faces_dir)
    runs = max(30, settings.bench_runs)
    print(f"{SIZE[0]}x{SIZE[1]} portrait, {inference.intra_op_threads} intra-op threads")
    print(f"median of {runs} runs after {WARM_UP} warm-up runs\n")

    plain_ms, full_ms = _paired_medians(
        lambda: engine.detect(image), lambda: _detect_and_assess(engine, image), runs
    )
    faces = engine.detect(image)
    face = most_central(faces, image.shape[1], image.shape[0])
    assert face is not None
    upright = remeasure_upright(image, face, engine.detect)
    remeasure_ms = _median_ms(lambda: remeasure_upright(image, face, engine.detect), runs)
    assess_ms = _median_ms(lambda: assess(image, upright, faces, None, "QualityFull"), runs)

    header = f"{'pipeline':<34} {'ms':>8} {'× detect':>9}"
    print(header)
    print("-" * len(header))
    print(f"{'detect':<34} {plain_ms:8.2f} {1.0:9.2f}")
    print(f"{'detect + remeasure + QualityFull':<34} {full_ms:8.2f} {full_ms / plain_ms:9.2f}")
    print(f"{'  remeasure_upright alone':<34} {remeasure_ms:8.2f} {remeasure_ms / plain_ms:9.2f}")
    print(f"{'  assess(QualityFull) alone':<34} {assess_ms:8.2f} {assess_ms / plain_ms:9.2f}")
