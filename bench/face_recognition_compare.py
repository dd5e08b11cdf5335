"""Visage next to `face_recognition` (dlib) on the same labelled photos: accuracy and time per image.

Both systems get every labelled photo file as it is on disk and do the same job: decode, find every face,
take the face nearest the image centre and compute its descriptor. `face_recognition` runs with its defaults
(HOG detector with one upsampling, 5-point landmarks, one jitter, the ResNet descriptor of
`face_recognition_models`, "same person" at distance ≤ 0.6); Visage with its own (YuNet, SFace, cosine
≥ 0.38).
Scores for the shared protocol (`bench/faceset.py`) are the cosine for Visage and minus the L2 distance for
dlib. Time per image: the two run alternately on each photo, repeated, median per photo; the table gives the
median over photos and the total.
"""

from __future__ import annotations

import importlib.resources
import statistics
import sys
import time
import types
from collections.abc import Callable
from importlib import metadata
from typing import Any

import numpy as np

from bench import BenchSettings
from bench.accuracy import FAR_TARGETS, analyse, roc_figure
from bench.common import method_of, ratio
from bench.faceset import (
    LabelledPhoto,
    expected_faces,
    identification_protocol,
    load_labels,
    verification_pairs,
)
from bench.metrics import decisions_at, identification_rates, pair_scores, tar_at_far
from bench.section import Section
from libs.faces import SAME_PERSON_COSINE, FaceEngine, cosine_matrix

FULL_ONLY = True
DLIB_TOLERANCE = 0.6  # face_recognition's documented default


def _import_face_recognition() -> Any:
    """Import face_recognition. Its model package still imports `pkg_resources`, which setuptools ≥ 81 no
    longer ships: provide the one function it uses when it is missing."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = lambda package, name: str(importlib.resources.files(package) / name)  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim
    import face_recognition

    return face_recognition


def _dlib_analyse(fr: Any, photo: LabelledPhoto) -> tuple[int, np.ndarray | None]:
    image = fr.load_image_file(str(photo.file))
    boxes = fr.face_locations(image)
    if not boxes:
        return 0, None
    height, width = image.shape[:2]

    def off_centre(box: tuple[int, int, int, int]) -> float:
        top, right, bottom, left = box
        return ((left + right) / 2 - width / 2) ** 2 + ((top + bottom) / 2 - height / 2) ** 2

    central = min(boxes, key=off_centre)
    return len(boxes), np.asarray(fr.face_encodings(image, [central])[0], dtype=np.float64)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def _negative_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    return -np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2)


def _timed(call: Callable[[], tuple[int, np.ndarray | None]]) -> tuple[float, tuple[int, np.ndarray | None]]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def _unavailable(error: Exception) -> Section:
    section = Section(
        "face_recognition_compare", "Visage and face_recognition side by side", method_of(__doc__)
    )
    section.note(
        f"Not measured: `face_recognition` could not be imported ({type(error).__name__}: {error}). Install "
        "the optional extra with `pip install -e '.[compare]'` and `pip install --no-deps face_recognition` "
        "(`make bench-full` does both)."
    )
    return section


def run(settings: BenchSettings) -> Section:
    try:
        fr = _import_face_recognition()
    except Exception as error:  # a missing optional dependency must not stop the other benchmarks
        return _unavailable(error)
    engine = FaceEngine.create(settings.models, settings.inference_settings())
    photos = [p for p in load_labels(settings.faces_dir) if p.kind != "invalid"]
    repeats = 3 if settings.bench_full else 1
    visage: dict[str, tuple[int, np.ndarray | None]] = {}
    dlib: dict[str, tuple[int, np.ndarray | None]] = {}
    visage_ms: dict[str, float] = {}
    dlib_ms: dict[str, float] = {}
    for photo in photos:
        v_times, d_times = [], []
        for _ in range(repeats):
            elapsed, visage[photo.path] = _timed(lambda photo=photo: analyse(engine, photo))
            v_times.append(elapsed)
            elapsed, dlib[photo.path] = _timed(lambda photo=photo: _dlib_analyse(fr, photo))
            d_times.append(elapsed)
        visage_ms[photo.path], dlib_ms[photo.path] = statistics.median(v_times), statistics.median(d_times)

    systems = {
        "Visage": (visage, cosine_matrix, SAME_PERSON_COSINE),
        "face_recognition": (dlib, _negative_distance, -DLIB_TOLERANCE),
    }
    pairs = [(p.a.path, p.b.path, p.genuine) for p in verification_pairs(photos)]
    protocol = identification_protocol(photos)
    rows: dict[str, list[str]] = {}
    curves = {}
    for name, (results, scores, threshold) in systems.items():
        vectors = {path: vector for path, (_, vector) in results.items()}
        genuine, impostor = pair_scores(vectors, pairs, scores)
        curves[name] = (genuine, impostor)
        decisions = decisions_at(genuine, impostor, threshold)
        points = [tar_at_far(genuine, impostor, target) for target in FAR_TARGETS]
        rates = identification_rates(
            [(p.identity, vectors[p.path]) for p in protocol.gallery],
            [(p.identity, vectors[p.path]) for p in protocol.mated],
            [(who, vectors[p.path]) for p, who in zip(protocol.non_mated, protocol.excluded, strict=True)],
            scores,
            threshold,
        )
        one_face = [p for p in photos if (e := expected_faces(p)) is not None and e.count == 1]
        counted = [p for p in photos if p.kind == "multi" and expected_faces(p) is not None]
        expected = sum(expected_faces(p).count for p in counted)  # type: ignore[union-attr]
        found_multi = sum(min(results[p.path][0], expected_faces(p).count) for p in counted)  # type: ignore[union-attr]
        rows[name] = [
            f"{100 * decisions.accuracy:.2f}%",
            f"{decisions.false_accepts} / {decisions.impostors}",
            f"{decisions.false_rejects} / {decisions.genuines}",
            *(f"{100 * p.tar:.2f}%" for p in points),
            f"{100 * rates.rank1:.2f}%",
            f"{100 * rates.rejection:.2f}%",
            f"{sum(results[p.path][0] >= 1 for p in one_face)} / {len(one_face)}",
            f"{found_multi} / {expected}",
            f"{sum(results[p.path][0] for p in photos if p.kind == 'noface')}",
        ]

    measures = [
        "verification accuracy at the default threshold",
        "false accepts",
        "false rejects",
        *(f"TAR at FAR {t:g}" for t in FAR_TARGETS),
        "identification rank-1",
        "open-set rejection",
        "one-face photos with a face found",
        "faces found in counted group photos",
        "false detections in photos without faces",
    ]
    v_median, d_median = statistics.median(visage_ms.values()), statistics.median(dlib_ms.values())
    v_total, d_total = sum(visage_ms.values()), sum(dlib_ms.values())
    large = [p.path for p in photos if p.path.endswith("obama-1080p.jpg")]
    section = Section(
        "face_recognition_compare",
        "Visage and face_recognition side by side",
        f"{method_of(__doc__)} {len(photos)} photos, {repeats} timed run(s) per photo and system; Visage "
        f"with {settings.inference_settings().intra_op_threads} intra-op threads; face_recognition "
        f"{_version('face_recognition')}, dlib {_version('dlib-bin')} (`dlib-bin` wheel), models "
        f"{_version('face_recognition_models')}.",
    )
    section.table(
        ["measure", "Visage", "face_recognition"],
        [[m, rows["Visage"][i], rows["face_recognition"][i]] for i, m in enumerate(measures)],
        title="Accuracy on the same photos and pairs",
    )
    time_rows = [
        ["median per photo", f"{v_median:.1f}", f"{d_median:.1f}", ratio(d_median, v_median)],
        ["all photos", f"{v_total / 1000:.1f} s", f"{d_total / 1000:.1f} s", ratio(d_total, v_total)],
    ]
    for path in large:
        time_rows.append(
            [
                "1920x1080 photo (obama-1080p)",
                f"{visage_ms[path]:.1f}",
                f"{dlib_ms[path]:.1f}",
                ratio(dlib_ms[path], visage_ms[path]),
            ]
        )
    section.table(
        [
            "time per image (decode + detect + describe), ms",
            "Visage",
            "face_recognition",
            "face_recognition / Visage",
        ],
        time_rows,
        title="Time per image",
    )
    roc = roc_figure(
        settings,
        {
            "Visage (YuNet + SFace)": curves["Visage"],
            "face_recognition (dlib HOG + ResNet)": curves["face_recognition"],
        },
        "compare-roc.png",
    )
    section.figure(roc, "Verification ROC of both systems on the same pairs")
    section.note(
        "A photo in which a system finds no face counts against it: its genuine pairs are false rejects "
        "and its probes match nobody. Most photos are small (LFW crops are 250×250), where dlib's HOG "
        "detector is at its fastest; its CNN detector (`model='cnn'`) is more accurate but far slower on a "
        "CPU and was not run."
    )
    section.highlight(
        f"on the same photos Visage verifies at {rows['Visage'][0]} against {rows['face_recognition'][0]} "
        f"for face_recognition and takes {v_median:.1f} ms per photo against {d_median:.1f} ms "
        f"(face_recognition {ratio(d_median, v_median)}× slower, median)"
    )
    return section
