"""The blink cue of PASSIVE_WITH_BLINK (liveness type 2): eye openness open and shut, threshold, capture.

Eyes: the face mesh's eye aspect ratio (EAR: lid gaps over eye width) of the central YuNet face, read closed
below 0.155 (`libs.quality.traits`, the face attributes' threshold, which the blink reuses); a frame is shut
when both eyes read closed, open when both read open (`libs/liveness/blink.py`). Data: Eyashita/VisageTrack
(MIT), one woman filmed by her own 640×480 webcam, the 586 frames of its `Dataset/Real` folder (25 s, 23
frames/s, the file names are capture times), of which bench/labels/closed-eyes.csv labels 4 shut and 13 open
frames around one laugh by looking; and its 1181 `Dataset/Fake` frames, the same webcam filming television
broadcasts on a screen (a video replay attack). Only 24 of the Real frames are in shared/faces: point
VISAGE_BENCH_BLINK_DIR at a folder holding the repository's `Dataset/` (`git show
475a0e2b:Dataset/Real/<file>` of a clone) for the sequence tables. Capture: the Real sequence sampled as a
client would, every k-th frame, over windows of about 1.6 s (at most the 24 frames a submission may hold), one
window starting at each frame; a window "spans the blink" when its first and last frames lie either side of
the labelled shut frames, and is "clear of it" when it keeps 0.7 s away from them. Still photos: the 115
licensed spoof and live photos of bench.liveness_passive, each submitted as three identical frames to the type
2 decision with the service's policy (real detector, descriptor, anti-spoofing and mesh).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import BenchSettings
from bench.common import method_of
from bench.liveness_passive import LIMITS, samples
from bench.metrics import rate_text
from bench.section import Section
from libs.faces import FaceEngine
from libs.faces.detector import most_central
from libs.faces.engine import Capability
from libs.faces.ports import Trait
from libs.imaging.decode import decode_image
from libs.liveness.blink import SHUT, blinked, eye_state
from libs.liveness.decision import decide
from libs.liveness.frames import analyze_frame
from libs.liveness.policy import LivenessPolicy
from libs.quality.traits import EYE_CLOSED_BELOW, eye_closed

LABELS = Path(__file__).parent / "labels" / "closed-eyes.csv"
TRACK = Path("liveness/Eyashita+VisageTrack/Dataset")  # under shared/faces: 24 of the Real frames
CUTS = (0.13, 0.14, 0.15, EYE_CLOSED_BELOW, 0.16, 0.17)
WINDOW_SECONDS = 1.6
STRIDES = (1, 2, 3, 6)  # every k-th frame of 23 frames/s: ≈ 43, 85, 128, 256 ms apart
CLEAR_SECONDS = 0.7


@dataclass(frozen=True, slots=True)
class Reading:
    name: str
    seconds: float  # capture time from the file name
    faces: int
    ratios: tuple[float, float] | None  # EAR of the person's right and left eye, central face
    closed: tuple[float, float] | None  # their closedness scores (0.5 decides), what the blink rule reads


def capture_time(name: str) -> float:
    """VisageTrack names frames str(time.time()) without the dot: 10 digits of seconds, then the fraction."""
    digits = name.split(".")[0]
    return float(f"{digits[:10]}.{digits[10:]}")


def read_folder(engine: FaceEngine, folder: Path) -> list[Reading]:
    readings = []
    for path in sorted(folder.glob("*.jpg"), key=lambda p: capture_time(p.name)):
        image = decode_image(path.read_bytes(), LIMITS)
        faces = engine.detect(image)
        face = most_central(faces, image.shape[1], image.shape[0])
        ratios = closed = None
        if face is not None:
            (traits,) = engine.traits(image, [face], {Trait.MESH})
            if traits.mesh is not None:
                mesh = traits.mesh
                ratios = (mesh.eye_opening(True), mesh.eye_opening(False))
                closed = (eye_closed(mesh, True), eye_closed(mesh, False))
        readings.append(Reading(path.name, capture_time(path.name), len(faces), ratios, closed))
    return readings


def frame_state(reading: Reading) -> str | None:
    """What the decision reads of a frame: only frames of one face count (decision.py)."""
    return eye_state(reading.closed) if reading.faces == 1 else None


def run(settings: BenchSettings) -> Section:
    section = Section("liveness_blink", "Blink cue (liveness type 2, PASSIVE_WITH_BLINK)", method_of(__doc__))
    engine = FaceEngine.create(
        settings.models,
        settings.inference_settings(),
        uses={Capability.DETECT, Capability.DESCRIBE, Capability.LIVENESS, Capability.MESH},
    )
    track = settings.bench_blink_dir or settings.faces_dir / TRACK
    real = read_folder(engine, track / "Real")
    fake = read_folder(engine, track / "Fake") if (track / "Fake").is_dir() else []
    section.note(
        f"Frames read ({'VISAGE_BENCH_BLINK_DIR' if settings.bench_blink_dir else 'shared/faces'}): "
        f"{len(real)} Real (webcam), {len(fake)} Fake (screen replays); the sequence tables need the whole "
        "folder and are left out without it."
    )
    labelled = _labelled(section, real)
    if len(real) > 100 and labelled:
        _sequence(section, real, labelled)
    if len(fake) > 100:
        _replays(section, fake)
    _stills(section, engine, settings.faces_dir)
    return section


def _labelled(section: Section, real: Sequence[Reading]) -> dict[str, str]:
    by_name = {r.name: r for r in real}
    labels = {Path(row["path"]).name: row["eyes"] for row in csv.DictReader(LABELS.open())}
    found = {name: label for name, label in labels.items() if name in by_name}
    if not found:
        section.note(f"None of the {len(labels)} labelled frames of {LABELS.name} is there: no eye tables.")
        return {}
    rows = []
    for label in ("open", "closed"):
        frames = [by_name[n] for n, lab in found.items() if lab == label and by_name[n].ratios is not None]
        ratios = sorted(x for f in frames for x in f.ratios or ())
        states = Counter(frame_state(f) or "neither" for f in frames)
        rows.append(
            [
                label,
                str(len(frames)),
                f"{min(ratios):.3f}",
                f"{float(np.median(ratios)):.3f}",
                f"{max(ratios):.3f}",
                f"{states['open']} / {states[SHUT]} / {states['neither']}",
            ]
        )
    section.table(
        ["labelled (by looking)", "frames", "EAR min", "EAR median", "EAR max", "read open / shut / neither"],
        rows,
        f"Eye aspect ratio of the labelled frames, both eyes, and the frame's reading at {EYE_CLOSED_BELOW}",
    )
    cut_rows = []
    for label in ("open", "closed"):
        frames = [by_name[n] for n, lab in found.items() if lab == label and by_name[n].ratios is not None]
        cells = []
        for cut in CUTS:  # the frame reads shut when both eyes are below the cut, as the rule has it
            shut = sum(max(f.ratios or (math.nan,)) < cut for f in frames)
            opened = sum(min(f.ratios or (math.nan,)) >= cut for f in frames)
            cells.append(f"{shut} shut, {opened} open")
        cut_rows.append([f"{label} ({len(frames)})", *cells])
    section.table(
        ["labelled", *(f"cut {cut:.3f}" for cut in CUTS)],
        cut_rows,
        "Frames read shut (both eyes below) and open (both at or above) at other thresholds; errors are shut "
        "frames not read shut and open frames read shut",
    )
    return found


def _sequence(section: Section, real: Sequence[Reading], labelled: dict[str, str]) -> None:
    start = real[0].seconds
    shut_times = [r.seconds for r in real if labelled.get(r.name) == "closed"]
    first, last = min(shut_times), max(shut_times)
    read_shut = [r for r in real if frame_state(r) == SHUT]
    ratios = np.array([x for r in real if r.ratios is not None and r.faces == 1 for x in r.ratios])
    away = [r for r in read_shut if not first - CLEAR_SECONDS <= r.seconds <= last + CLEAR_SECONDS]
    section.note(
        f"The whole webcam sequence ({len(real)} frames, {real[-1].seconds - start:.1f} s): EAR of every eye "
        f"of a one-face frame 5th/50th/95th percentile {np.percentile(ratios, 5):.3f} / "
        f"{np.median(ratios):.3f} / {np.percentile(ratios, 95):.3f}; {len(read_shut)} frames read shut, at "
        + ", ".join(f"{r.seconds - start:.2f} s" for r in read_shut)
        + f" (the labelled shut frames: {first - start:.2f}-{last - start:.2f} s); "
        f"{len(away)} of them more than {CLEAR_SECONDS} s from the labelled blink."
    )
    gap = float(np.median(np.diff([r.seconds for r in real])))
    rows = []
    for stride in STRIDES:
        count = min(24, max(3, round(WINDOW_SECONDS / (stride * gap))))
        spans = [0, 0]  # [read a blink, windows]
        clear = [0, 0]
        for begin in range(len(real) - stride * (count - 1)):
            window = real[begin : begin + stride * count : stride]
            low, high = window[0].seconds, window[-1].seconds
            seen = blinked([r.closed if r.faces == 1 else None for r in window])
            if low < first and high > last:
                spans[0] += seen
                spans[1] += 1
            elif high < first - CLEAR_SECONDS or low > last + CLEAR_SECONDS:
                clear[0] += seen
                clear[1] += 1
        rows.append(
            [
                f"every {stride} ({1000 * stride * gap:.0f} ms)",
                str(count),
                rate_text(*spans),
                rate_text(*clear),
            ]
        )
    section.table(
        ["frames sampled", "frames per window", "spanning the blink: blink read", "clear of it: blink read"],
        rows,
        f"The webcam sequence captured in windows of about {WINDOW_SECONDS} s, one starting at every frame",
    )
    section.highlight(
        f"the one labelled blink (shut frames spanning {1000 * (last - first):.0f} ms) is read in "
        f"{rows[1][2]} windows sampled every {1000 * 2 * gap:.0f} ms, {rows[-1][2]} every "
        f"{1000 * STRIDES[-1] * gap:.0f} ms"
    )


def _replays(section: Section, fake: Sequence[Reading]) -> None:
    """A video replayed on a screen shows the blinks it recorded: how often the cue reads one."""
    gap = float(np.median(np.diff([r.seconds for r in fake])))
    count = min(24, round(WINDOW_SECONDS / (2 * gap)))
    windows = [fake[b : b + 2 * count : 2] for b in range(len(fake) - 2 * (count - 1))]
    # Only windows of one continuous recording (no gap of a second between two sampled frames).
    windows = [w for w in windows if max(np.diff([r.seconds for r in w])) < 1.0]
    seen = sum(blinked([r.closed if r.faces == 1 else None for r in w]) for w in windows)
    shut = sum(frame_state(r) == SHUT for r in fake)
    section.note(
        f"Screen replays of television (the Fake folder, {len(fake)} frames): {shut} frames read shut; "
        f"windows of {count} frames {1000 * 2 * gap:.0f} ms apart that read a blink: "
        f"{rate_text(seen, len(windows))}. A replayed video blinks when its subject did: the blink stops "
        "still pictures, the passive check has to stop replays."
    )


def _stills(section: Section, engine: FaceEngine, faces_dir: Path) -> None:
    """Every licensed spoof and live photo as a type 2 transaction's three identical frames."""
    policy = LivenessPolicy()
    tally: Counter[tuple[str, str]] = Counter()
    refused = Counter[str]()
    totals = Counter[str]()
    passive_only = Counter[str]()  # confirmed by the type 1 decision on the same frames
    for sample in samples(faces_dir):
        image = decode_image(sample.path.read_bytes(), LIMITS)
        frame = analyze_frame(engine, image, 0, policy.frame_limits, eyes=True)
        frames = [dataclasses.replace(frame, index=i) for i in range(policy.min_frames)]
        decision = decide(frames, (), policy.thresholds, blink=True)
        verdict = "confirmed" if decision.confirmed else f"{int(decision.code)} {decision.code.name}"
        tally[(sample.kind, verdict)] += 1
        totals[sample.kind] += 1
        refused[sample.kind] += not decision.confirmed
        passive_only[sample.kind] += decide(frames, (), policy.thresholds).confirmed
    section.table(
        ["kind", "verdict (first failed check's code)", "photos"],
        [[kind, verdict, str(count)] for (kind, verdict), count in sorted(tally.items())],
        f"Every photo as a type 2 transaction's {policy.min_frames} identical frames, the service's policy",
    )
    section.note(
        "Refused by type 2: "
        + "; ".join(f"{kind} {rate_text(refused[kind], totals[kind])}" for kind in sorted(totals))
        + ". The same frames as a type 1 (PASSIVE) transaction are confirmed for "
        + "; ".join(f"{kind} {passive_only[kind]} of {totals[kind]}" for kind in sorted(totals))
        + ": type 2 refuses those with 255 FACER_NO_BLINK."
    )
    section.highlight(
        f"type 2 on still photos replayed as frames: {rate_text(refused['spoof'], totals['spoof'])} spoofs "
        f"and {rate_text(refused['live'], totals['live'])} live photos refused (none blinks)"
    )
