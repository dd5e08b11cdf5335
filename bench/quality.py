"""What portrait quality adds to /api/detect: detection alone against detection plus the full quality set.

On a 640×480 JPEG made from a real portrait (one face): "detect" is `FaceEngine.detect`; "detect+quality" is
the same detection, then the central face's landmarks re-measured upright (`remeasure_upright`, one more
detection on a ≤640 px region) and `assess` with the QualityFull scenario (all 48 characteristics). The two
are timed alternately, one call each per round, so a busy machine slows both alike. Medians; the parts are
timed on their own afterwards.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench import BenchSettings
from bench.common import median_ms, method_of, paired_medians, photo_jpeg, ratio
from bench.section import Section
from libs.faces import FaceEngine
from libs.faces.detector import most_central
from libs.imaging.decode import decode_image
from libs.quality import assess, remeasure_upright

SOURCE_PHOTO = "face_recognition/examples/knn_examples/train/alex_lacamoire/img1.jpg"  # 874×1200 portrait
SIZE = (640, 480)


def _photo(faces_dir: Path) -> np.ndarray:
    """The portrait cropped to 4:3 keeping the head (which sits high), resized to 640×480, JPEG quality 90."""
    return decode_image(photo_jpeg(faces_dir / SOURCE_PHOTO, *SIZE, top=0.1))


def _detect_and_assess(engine: FaceEngine, image: np.ndarray) -> object:
    faces = engine.detect(image)
    face = most_central(faces, image.shape[1], image.shape[0])
    if face is None:
        raise RuntimeError(f"no face found in the benchmark photo {SOURCE_PHOTO}")
    face = remeasure_upright(image, face, engine.detect)
    return assess(image, face, faces, None, "QualityFull")


def run(settings: BenchSettings) -> Section:
    inference = settings.inference_settings()
    engine = FaceEngine.create(settings.models, inference)
    image = _photo(settings.faces_dir)
    runs = max(30, settings.bench_runs)

    plain_ms, full_ms = paired_medians(
        lambda: engine.detect(image), lambda: _detect_and_assess(engine, image), runs
    )
    faces = engine.detect(image)
    face = most_central(faces, image.shape[1], image.shape[0])
    assert face is not None
    upright = remeasure_upright(image, face, engine.detect)
    remeasure_ms = median_ms(lambda: remeasure_upright(image, face, engine.detect), runs)
    assess_ms = median_ms(lambda: assess(image, upright, faces, None, "QualityFull"), runs)

    section = Section(
        "quality",
        "What portrait quality adds to detection",
        f"{method_of(__doc__)} Median of {runs} runs; {inference.intra_op_threads} intra-op threads.",
    )
    section.table(
        ["pipeline", "ms", "× detect"],
        [
            ["detect", f"{plain_ms:.2f}", "1.00"],
            ["detect + remeasure + QualityFull", f"{full_ms:.2f}", ratio(full_ms, plain_ms)],
            ["remeasure_upright alone", f"{remeasure_ms:.2f}", ratio(remeasure_ms, plain_ms)],
            ["assess(QualityFull) alone", f"{assess_ms:.2f}", ratio(assess_ms, plain_ms)],
        ],
    )
    section.highlight(
        f"the full quality report (48 characteristics) costs {full_ms - plain_ms:.1f} ms on top of detection "
        f"({ratio(full_ms, plain_ms)}× detect alone, 640x480 portrait)"
    )
    return section
