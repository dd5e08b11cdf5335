"""Per-stage latency of the face pipeline next to bare onnxruntime on the same prepared input.

For a 640×480 and a 1920×1080 JPEG made from a real photo: decode, detect, align+embed (one face) and
anti-spoofing (one face, both models), each timed through the library and as the raw call it wraps
(`cv2.imdecode` for decoding, `InferenceSession.run` on the already prepared network input otherwise).
The two are timed alternately, one call each per round, so a busy machine slows both alike. Medians.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from bench import BenchSettings
from libs.faces import FaceEngine
from libs.faces.align import align_faces
from libs.faces.antispoof import crop_inputs
from libs.imaging.decode import decode_image

SOURCE_PHOTO = "face_recognition/examples/obama-1080p.jpg"  # 1920×1080, one face
SIZES = ((640, 480), (1920, 1080))
WARM_UP = 5
TARGET_RATIO = 1.10


def _photo_jpeg(faces_dir: Path, width: int, height: int) -> bytes:
    """The source photo centre-cropped to the aspect ratio and resized, as JPEG quality 90."""
    image = cv2.imread(str(faces_dir / SOURCE_PHOTO), cv2.IMREAD_COLOR)
    src_h, src_w = image.shape[:2]
    crop_w = min(src_w, round(src_h * width / height))
    crop_h = min(src_h, round(crop_w * height / width))
    left, top = (src_w - crop_w) // 2, (src_h - crop_h) // 2
    resized = cv2.resize(
        image[top : top + crop_h, left : left + crop_w], (width, height), interpolation=cv2.INTER_AREA
    )
    ok, data = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def _paired_medians(
    library: Callable[[], object], raw: Callable[[], object], runs: int
) -> tuple[float, float]:
    for _ in range(WARM_UP):
        library()
        raw()
    library_times, raw_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        library()
        middle = time.perf_counter()
        raw()
        raw_times.append(time.perf_counter() - middle)
        library_times.append(middle - start)
    return statistics.median(library_times) * 1000, statistics.median(raw_times) * 1000


def _median_ms(call: Callable[[], object], runs: int) -> float:
    for _ in range(WARM_UP):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _stages(engine: FaceEngine, jpeg: bytes) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(stage, library call, raw call) for one photo; the raw calls get inputs prepared beforehand."""
    image = decode_image(jpeg)
    faces = engine.detect(image, only_central=True)
    if not faces:
        raise RuntimeError(f"no face found in the benchmark photo {SOURCE_PHOTO}")
    encoded = np.frombuffer(jpeg, dtype=np.uint8)

    detector = engine.detector
    detector_blob, _ = detector.prepare(image)
    detector_outputs = [o.name for o in detector.session.get_outputs()]
    detector_feed = {detector.session.get_inputs()[0].name: detector_blob}

    embedder = engine.embedder
    embed_feed = {embedder.session.get_inputs()[0].name: embedder.prepare(align_faces(image, faces))}

    spoof_runs = [
        (model.session, {model.session.get_inputs()[0].name: crop_inputs(image, faces, model.box_scale)})
        for model in engine.antispoof.models
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


def _machine(threads: int) -> str:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"machine: {cpu}, {os.cpu_count()} cores ({usable} usable), Python {platform.python_version()}\n"
        f"onnxruntime {ort.__version__} ({', '.join(ort.get_available_providers())}), "
        f"OpenCV {cv2.__version__}, "
        f"numpy {np.__version__}; {threads} intra-op threads per session"
    )


def _row(photo: str, stage: str, library_ms: float, raw_ms: float) -> str:
    return f"{photo:>10}  {stage:<12} {library_ms:10.2f} {raw_ms:8.2f} {library_ms / raw_ms:6.2f}"


def run(settings: BenchSettings) -> None:
    inference = settings.inference_settings()
    engine = FaceEngine.create(settings.model_settings(), inference)
    print(_machine(inference.intra_op_threads))
    print(f"median of {settings.bench_runs} runs after {WARM_UP} warm-up runs; one face per photo\n")
    header = f"{'photo':>10}  {'stage':<12} {'library ms':>10} {'raw ms':>8} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    notes = []
    for width, height in SIZES:
        jpeg = _photo_jpeg(settings.faces_dir, width, height)
        total_library = total_raw = 0.0
        for stage, library, raw in _stages(engine, jpeg):
            library_ms, raw_ms = _paired_medians(library, raw, settings.bench_runs)
            total_library, total_raw = total_library + library_ms, total_raw + raw_ms
            flag = "" if library_ms <= TARGET_RATIO * raw_ms else "  > target"
            print(_row(f"{width}x{height}", stage, library_ms, raw_ms) + flag)
        print(_row(f"{width}x{height}", "sum", total_library, total_raw))
        image = decode_image(jpeg)
        prepare_ms = _median_ms(lambda image=image: engine.detector.prepare(image), settings.bench_runs)
        notes.append(f"{width}x{height}: detect spends {prepare_ms:.2f} ms scaling and packing the image")
    print(f"\nratio = library / raw; target ≤ {TARGET_RATIO:.2f}")
    print("image work that raw inference is handed ready-made:", *notes, sep="\n  ")
