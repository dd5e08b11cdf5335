"""Face attributes: what they cost on top of detection, and how right they are on labelled photos.

Cost: `POST /api/detect` through the gateway (detection service and gateway as real processes, mTLS,
loopback) on a 640×480 JPEG of a real portrait, detection alone against detection plus all 13 attributes
(age, expression and mesh models, one batch each), timed alternately (paired medians); then the same two
calls on the use case in process (decoding included), where the REST hop does not dilute the ratio.
Batching: the trait models over the faces of a group photo in one call per model against one call per face.

Accuracy, each on photos the thresholds were not set on (they were set on the single-face photos of
shared/faces outside LFW, libs/quality/README.md): age on the CompreFace sample photos whose age
CompreFace's `annotations.py` gives (`PERSONS`: person A 30 years, six photos; B 25, two; C 30, one; only B
and C are in shared/faces, A's photos are large and are read when present); expression on face-api.js's
example photos named after their expression; mouth open/closed and eyes open/closed on the first 48 LFW
photos of shared/faces, labelled by looking (bench/labels/lfw-mouth-eyes.csv: mouth open = lips apart, teeth
or a gap showing); closed and open eyes on the webcam frames around one laugh with the eyes shut
(bench/labels/closed-eyes.csv: Eyashita/VisageTrack, MIT, the author's own webcam; closed = both lids shut,
open = both irises showing, half-shut frames left out), read from
shared/faces/liveness/Eyashita+VisageTrack/Dataset/Real/ (`git show 475a0e2b:Dataset/Real/<file>` in a clone
of that repository; left out, and counted, when absent). "ratio read": the mesh's eye aspect ratio (closed
below 0.155) or mouth ratio (open from 0.15).
"""

from __future__ import annotations

import base64
import csv
import math
from pathlib import Path

import httpx
import numpy as np

from bench import BenchSettings
from bench.common import method_of, paired_medians, photo_jpeg, ratio
from bench.deployment import bench_platform
from bench.section import Section
from libs.config import ImageLimits
from libs.faces import FaceEngine
from libs.faces.ports import FaceTraits, Trait
from libs.imaging.decode import decode_image
from libs.quality.scenarios import FACE_ATTRIBUTES
from libs.quality.traits import DECISION, EYE_CLOSED_BELOW, eye_closed, mouth_open
from libs.usecases.detect import DetectRequest, detect_faces

PORTRAIT = "face_recognition/examples/knn_examples/train/alex_lacamoire/img1.jpg"
GROUP = "face-api.js/examples/images/bbt1.jpg"
SAMPLES = "compreface/embedding-calculator/sample_images"
AGES = {**{f"{SAMPLES}/00{i}_A.jpg": 30 for i in range(1, 7)}, f"{SAMPLES}/007_B.jpg": 25}
AGES |= {f"{SAMPLES}/008_B.jpg": 25, f"{SAMPLES}/009_C.jpg": 30}
EXPRESSION_PHOTOS = {
    "neutral": "face-api.js/examples/images/neutral.jpg",
    "happy": "face-api.js/examples/images/happy.jpg",
    "sad": "face-api.js/examples/images/sad.jpg",
    "angry": "face-api.js/examples/images/angry.jpg",
    "fearful": "face-api.js/examples/images/fearful.jpg",
    "disgusted": "face-api.js/examples/images/disgusted.jpg",
    "surprised": "face-api.js/examples/images/surprised.jpg",
}
LABELS = Path(__file__).parent / "labels"


def _central_traits(
    engine: FaceEngine, faces_dir: Path, relative: str, wanted: set[Trait]
) -> FaceTraits | None:
    image = decode_image((faces_dir / relative).read_bytes(), ImageLimits(max_pixels=40_000_000))
    faces = engine.detect(image, only_central=True)
    return None if not faces else engine.traits(image, faces, wanted)[0]


def _rest_ms(settings: BenchSettings, photo: bytes, runs: int) -> tuple[float, float]:
    plain = {"image": base64.b64encode(photo).decode(), "processParam": {"onlyCentralFace": True}}
    every = {
        **plain,
        "processParam": {
            "onlyCentralFace": True,
            "attributes": {"config": [{"name": n} for n in FACE_ATTRIBUTES]},
        },
    }
    with bench_platform(settings, backends=("detection",)) as platform, httpx.Client(timeout=60.0) as client:
        url = f"{platform.api_url}/detect"

        def call(body: dict) -> object:
            answer = client.post(url, json=body)
            answer.raise_for_status()
            return answer

        return paired_medians(lambda: call(plain), lambda: call(every), runs)


def _cost(settings: BenchSettings, engine: FaceEngine, runs: int, section: Section) -> None:
    faces_dir = settings.faces_dir
    photo = photo_jpeg(faces_dir / PORTRAIT, 640, 480, top=0.1)
    rest_plain_ms, rest_every_ms = _rest_ms(settings, photo, runs)
    limits = ImageLimits()
    plain = DetectRequest(photo, only_central_face=True)
    every = DetectRequest(photo, only_central_face=True, attributes=FACE_ATTRIBUTES)
    plain_ms, every_ms = paired_medians(
        lambda: detect_faces(engine, plain, limits), lambda: detect_faces(engine, every, limits), runs
    )
    group = decode_image((faces_dir / GROUP).read_bytes())
    faces = engine.detect(group)
    wanted = {Trait.AGE, Trait.EXPRESSION, Trait.MESH}
    batched_ms, single_ms = paired_medians(
        lambda: engine.traits(group, faces, wanted),
        lambda: [engine.traits(group, [face], wanted) for face in faces],
        max(10, runs // 3),
    )
    section.table(
        ["call", "ms", "ratio"],
        [
            ["POST /api/detect, 640×480 portrait, detection only", f"{rest_plain_ms:.2f}", "1.00"],
            ["the same with all 13 attributes", f"{rest_every_ms:.2f}", ratio(rest_every_ms, rest_plain_ms)],
            ["its use case in process, detection only", f"{plain_ms:.2f}", "1.00"],
            ["the same with all 13 attributes", f"{every_ms:.2f}", ratio(every_ms, plain_ms)],
            [
                f"trait models, {len(faces)} faces of {GROUP.split('/')[-1]}, one batch",
                f"{batched_ms:.2f}",
                "1.00",
            ],
            ["the same, one call per face", f"{single_ms:.2f}", ratio(single_ms, batched_ms)],
        ],
        "Cost",
    )
    section.highlight(
        f"POST /api/detect with all 13 attributes: {ratio(rest_every_ms, rest_plain_ms)}× plain detection "
        f"on a 640×480 portrait ({rest_every_ms - rest_plain_ms:.1f} ms more; target ≤ 1.6×); in process "
        f"{ratio(every_ms, plain_ms)}×"
    )


def _age(engine: FaceEngine, faces_dir: Path, section: Section) -> None:
    rows, errors, covered = [], [], 0
    for relative, truth in AGES.items():
        if not (faces_dir / relative).is_file():
            continue
        traits = _central_traits(engine, faces_dir, relative, {Trait.AGE})
        if traits is None or traits.age is None:
            rows.append([relative.split("/")[-1], str(truth), "no face", "", ""])
            continue
        low, high = traits.age.range
        errors.append(traits.age.years - truth)
        covered += low <= truth <= high
        rows.append(
            [
                relative.split("/")[-1],
                str(truth),
                f"{traits.age.years:.1f}",
                f"{low}-{high}",
                "yes" if low <= truth <= high else "no",
            ]
        )
    section.table(
        ["photo", "true age", "estimate", "range", "in range"], rows, "Age (CompreFace annotations)"
    )
    if errors:
        mae = float(np.mean(np.abs(errors)))
        section.highlight(
            f"age: mean absolute error {mae:.1f} years, mean error {np.mean(errors):+.1f}, true age inside "
            f"the reported range {covered} of {len(errors)} (CompreFace photos with annotated ages, "
            f"{len(errors)} of {len(AGES)} present)"
        )


def _expression(engine: FaceEngine, faces_dir: Path, section: Section) -> None:
    rows, right = [], 0
    for truth, relative in EXPRESSION_PHOTOS.items():
        traits = _central_traits(engine, faces_dir, relative, {Trait.EXPRESSION})
        assert traits is not None and traits.expression is not None, relative
        name, confidence = traits.expression.strongest
        right += name == truth
        rows.append([truth, name, f"{confidence:.2f}"])
    section.table(["labelled", "read", "confidence"], rows, "Expression (face-api.js example photos)")
    section.highlight(f"expression: {right} of {len(rows)} face-api.js expression photos read right")


def _labelled(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _states(engine: FaceEngine, faces_dir: Path, section: Section) -> None:
    mouth = {"open": [0, 0], "closed": [0, 0]}  # label -> [read right, total]
    eyes = {"open": [0, 0], "closed": [0, 0]}  # per eye
    ratios: dict[str, list[float]] = {f"{what} {label}": [] for what in ("mouth", "eye") for label in mouth}
    rows = [*_labelled(LABELS / "lfw-mouth-eyes.csv"), *_labelled(LABELS / "closed-eyes.csv")]
    missing = [row["path"] for row in rows if not (faces_dir / row["path"]).is_file()]
    for row in rows:
        if row["path"] in missing:
            continue
        traits = _central_traits(engine, faces_dir, row["path"], {Trait.MESH})
        if traits is None or traits.mesh is None:
            continue
        if row.get("mouth"):
            read = "open" if mouth_open(traits.mesh) >= DECISION else "closed"
            mouth[row["mouth"]][0] += read == row["mouth"]
            mouth[row["mouth"]][1] += 1
            ratios[f"mouth {row['mouth']}"].append(traits.mesh.mouth_opening)
        for right in (True, False):
            score = eye_closed(traits.mesh, right)
            if math.isnan(score):
                continue
            read = "closed" if score >= DECISION else "open"
            eyes[row["eyes"]][0] += read == row["eyes"]
            eyes[row["eyes"]][1] += 1
            ratios[f"eye {row['eyes']}"].append(traits.mesh.eye_opening(right))
    table = []
    for what, counts in (("mouth", mouth), ("eye", eyes)):
        for label, (right, total) in counts.items():
            share = f"{100 * right / total:.0f} %" if total else "-"
            read = ratios[f"{what} {label}"]
            spread = f"{min(read):.3f}-{max(read):.3f}" if read else "-"
            table.append([f"{what} {label}", f"{right} of {total}", share, spread])
    section.table(
        ["labelled", "read right", "share", "ratio read"], table, "Mouth and eyes (labelled by looking)"
    )
    cuts = sorted({0.13, 0.14, 0.15, EYE_CLOSED_BELOW, 0.16, 0.17})  # the threshold in use, and others
    section.table(
        ["labelled", *(f"below {cut:.3f}" for cut in cuts)],
        [
            [f"eye {label} ({len(ratios[f'eye {label}'])})"]
            + [str(sum(r < cut for r in ratios[f"eye {label}"])) for cut in cuts]
            for label in eyes
        ],
        "Eyes read closed at other eye-ratio thresholds",
    )
    if missing:  # the blink frames are not in every copy of shared/faces: say so rather than count them as 0
        section.note(
            f"{len(missing)} labelled photos are not under {faces_dir.name}/ and were left out "
            "(bench/labels/closed-eyes.csv gives the repository and commit of each)."
        )
    right = mouth["open"][0] + mouth["closed"][0]
    total = mouth["open"][1] + mouth["closed"][1]
    section.highlight(f"mouth open/closed: {right} of {total} LFW photos labelled by looking read right")
    section.highlight(
        f"eyes: {eyes['open'][0]} of {eyes['open'][1]} open eyes read open, {eyes['closed'][0]} of "
        f"{eyes['closed'][1]} closed eyes read closed"
    )


def run(settings: BenchSettings) -> Section:
    inference = settings.inference_settings()
    engine = FaceEngine.create(settings.models, inference)
    section = Section(
        "attributes",
        "Face attributes: cost and accuracy",
        f"{method_of(__doc__)} {inference.intra_op_threads} intra-op threads.",
    )
    _cost(settings, engine, max(30, settings.bench_runs), section)
    _age(engine, settings.faces_dir, section)
    _expression(engine, settings.faces_dir, section)
    _states(engine, settings.faces_dir, section)
    return section
