"""Per-stage latency of the face pipeline next to bare onnxruntime on the same prepared input.

For a 640×480 and a 1920×1080 JPEG made from a real photo: decode, detect, align+embed (one face) and
anti-spoofing (one face, both models), each timed through the library and as the raw call it wraps
(`cv2.imdecode` for decoding, `InferenceSession.run` on the already prepared network input otherwise).
The two are timed alternately, one call each per round, so a busy machine slows both alike. Medians.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from bench import BenchSettings
from bench.common import median_ms, method_of, paired_medians, photo_jpeg, ratio
from bench.section import Section
from libs.faces import FaceEngine
from libs.faces.align import align_faces
from libs.faces.antispoof import AntiSpoof, crop_inputs
from libs.faces.detector import YuNetDetector
from libs.faces.embedder import SFaceEmbedder
from libs.imaging.decode import decode_image

SOURCE_PHOTO = "face_recognition/examples/obama-1080p.jpg"  # 1920×1080, one face
SIZES = ((640, 480), (1920, 1080))
TARGET_RATIO = 1.10


def _stages(engine: FaceEngine, jpeg: bytes) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(stage, library call, raw call) for one photo; the raw calls get inputs prepared beforehand."""
    image = decode_image(jpeg)
    faces = engine.detect(image, only_central=True)
    if not faces:
        raise RuntimeError(f"no face found in the benchmark photo {SOURCE_PHOTO}")
    encoded = np.frombuffer(jpeg, dtype=np.uint8)

    # The raw calls need the concrete adapters behind the ports.
    detector, embedder, antispoof = engine.detector, engine.describer, engine.antispoof
    assert isinstance(detector, YuNetDetector) and isinstance(embedder, SFaceEmbedder)
    assert isinstance(antispoof, AntiSpoof)
    detector_blob, _ = detector.prepare(image)
    detector_outputs = [o.name for o in detector.session.get_outputs()]
    detector_feed = {detector.session.get_inputs()[0].name: detector_blob}

    embed_feed = {embedder.session.get_inputs()[0].name: embedder.prepare(align_faces(image, faces))}

    spoof_runs = [
        (model.session, {model.session.get_inputs()[0].name: crop_inputs(image, faces, model.box_scale)})
        for model in antispoof.models
    ]

    return [
        ("decode", lambda: decode_image(jpeg), lambda: cv2.imdecode(encoded, cv2.IMREAD_COLOR)),
        (
            "detect",
            lambda: engine.detect(image),
            lambda: detector.session.run(detector_outputs, detector_feed),
        ),
        (
            "align+embed",
            lambda: engine.describe(image, faces),
            lambda: embedder.session.run(None, embed_feed),
        ),
        (
            "anti-spoof",
            lambda: engine.liveness(image, faces),
            lambda: [session.run(None, feed) for session, feed in spoof_runs],
        ),
    ]


def run(settings: BenchSettings) -> Section:
    inference = settings.inference_settings()
    engine = FaceEngine.create(settings.models, inference)
    runs = settings.bench_runs
    section = Section(
        "core",
        "Model time per stage against raw onnxruntime",
        f"{method_of(__doc__)} {runs} runs per stage, "
        f"{inference.intra_op_threads} intra-op threads per session; one face per photo.",
    )
    rows, notes = [], []
    for width, height in SIZES:
        jpeg = photo_jpeg(settings.faces_dir / SOURCE_PHOTO, width, height)
        total_library = total_raw = 0.0
        for stage, library, raw in _stages(engine, jpeg):
            library_ms, raw_ms = paired_medians(library, raw, runs)
            total_library, total_raw = total_library + library_ms, total_raw + raw_ms
            verdict = "" if library_ms <= TARGET_RATIO * raw_ms else "over target"
            rows.append(
                [
                    f"{width}x{height}",
                    stage,
                    f"{library_ms:.2f}",
                    f"{raw_ms:.2f}",
                    ratio(library_ms, raw_ms),
                    verdict,
                ]
            )
        rows.append(
            [
                f"{width}x{height}",
                "sum",
                f"{total_library:.2f}",
                f"{total_raw:.2f}",
                ratio(total_library, total_raw),
                "",
            ]
        )
        if (width, height) == SIZES[0]:
            section.highlight(
                f"{width}x{height}, one face: {total_library:.1f} ms for decode + detect + embed + "
                "anti-spoof, "
                f"{ratio(total_library, total_raw)}× raw onnxruntime on the same inputs"
            )
        image = decode_image(jpeg)
        prepare_ms = median_ms(lambda image=image: engine.detector.prepare(image), runs)
        notes.append(f"{width}x{height}: detect spends {prepare_ms:.2f} ms scaling and packing the image")
    section.table(["photo", "stage", "library ms", "raw ms", "ratio", f"target ≤ {TARGET_RATIO:.2f}"], rows)
    section.note(
        "ratio = library / raw (medians). Image work that raw inference is handed ready-made: "
        + "; ".join(notes)
        + "."
    )
    return section
