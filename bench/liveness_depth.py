"""The active check's depth cue: a head turn, or a flat picture turned to the camera?

Real turns: pairs of photos of one person from shared/faces' labelled identities (LABELS.csv) and
VisageTrack's webcam frames (shared/faces/liveness): a frontal one (|yaw| < 10°) and a turned one (|yaw| ≥
20°, what the challenge takes for a turn). Flat pictures: every frontal photo turned 25°, 35° and 45° either
way as a flat picture in perspective (`tests.liveness_support.turned_picture`). For each pair, `plane_misfit`
of the turned face's points against the frontal face's: the five landmarks (shipped), or the 468 face-mesh
points. Each threshold is the highest that refuses at most 2 % of the real turns. Per frame: how many flat
pictures pass for a turn. Per photo: whether some flat turn of it reads as a turn to the left and another as
a turn to the right, which a two-step challenge needs.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import BenchSettings
from bench.common import method_of
from bench.metrics import rate_text
from bench.section import Section
from libs.config import ImageLimits
from libs.faces import FaceEngine
from libs.faces.detector import most_central
from libs.faces.engine import Capability
from libs.faces.ports import Trait
from libs.imaging.decode import decode_image
from libs.liveness.challenge import side_of
from libs.liveness.decision import DecisionThresholds
from libs.liveness.depth import MIN_PLANE_MISFIT, plane_misfit
from libs.quality.geometry import FaceGeometry
from tests.liveness_support import turned_picture

FRONTAL_DEGREES = 10.0
TURNS = (25.0, 35.0, 45.0, -25.0, -35.0, -45.0)
LIMITS = ImageLimits(max_pixels=40_000_000)
BPCER = 0.02


@dataclass(frozen=True)
class Seen:
    """One face as the active check sees it: pose, and the points the depth cue compares."""

    who: str
    yaw: float
    eyes: float
    landmarks: np.ndarray
    mesh: np.ndarray

    @classmethod
    def of(cls, engine: FaceEngine, who: str, image: np.ndarray) -> Seen | None:
        face = most_central(engine.detect(image), image.shape[1], image.shape[0])
        if face is None:
            return None
        (traits,) = engine.traits(image, [face], {Trait.MESH})
        assert traits.mesh is not None
        geometry = FaceGeometry(face)
        points = np.array(face.landmarks, np.float32)
        return cls(who, geometry.pose.yaw, geometry.eyes_distance, points, traits.mesh.points[:, :2])

    def misfit(self, frontal: Seen, points: str) -> float:
        return plane_misfit(getattr(frontal, points), getattr(self, points), self.eyes)


def _photos(faces_dir: Path) -> list[tuple[str, str]]:
    rows = [(r["path"], r["identity"]) for r in csv.DictReader((faces_dir / "LABELS.csv").open())]
    liveness = faces_dir / "liveness"
    rows += [
        (f"liveness/{r['path']}", "VisageTrack")
        for r in csv.DictReader((liveness / "LABELS.csv").open())
        if r["path"].startswith("Eyashita+VisageTrack/")
    ]
    return [(path, who) for path, who in rows if who]


def _rate(part: int, whole: int) -> str:
    return rate_text(part, whole, with_bound=True)


def _threshold(real: list[float]) -> float:
    ordered = np.sort([v for v in real if not math.isnan(v)])
    return float(ordered[int(np.floor(BPCER * len(ordered)))])


def run(settings: BenchSettings) -> Section:
    uses = {Capability.DETECT, Capability.MESH}
    engine = FaceEngine.create(settings.models, settings.inference_settings(), uses=uses)
    section = Section("liveness_depth", "Active liveness: a head turn or a flat picture", method_of(__doc__))
    turn = DecisionThresholds().turn_degrees
    seen = []
    for path, who in _photos(settings.faces_dir):
        image = decode_image((settings.faces_dir / path).read_bytes(), LIMITS)
        if (face := Seen.of(engine, who, image)) is not None:
            seen.append((face, image))
    frontal = [(face, image) for face, image in seen if abs(face.yaw) < FRONTAL_DEGREES]
    real = [
        (front, turned)
        for (front, _), (turned, _) in itertools.product(frontal, seen)
        if front.who == turned.who and abs(turned.yaw) >= turn
    ]
    flat: list[tuple[int, Seen, Seen]] = []  # (photo number, frontal, the flat picture turned)
    for number, (face, image) in enumerate(frontal):
        for degrees in TURNS:
            if (picture := Seen.of(engine, face.who, turned_picture(image, degrees))) is not None:
                flat.append((number, face, picture))
    as_turns = [(n, f, p) for n, f, p in flat if side_of(p.yaw, turn) is not None]
    rows, per_photo = [], []
    for points, label in (("landmarks", "5 landmarks (shipped)"), ("mesh", "468 mesh points")):
        real_misfits = [turned.misfit(front, points) for front, turned in real]
        threshold = MIN_PLANE_MISFIT if points == "landmarks" else _threshold(real_misfits)
        refused = sum(not v >= threshold for v in real_misfits)
        taken = [(n, p) for n, f, p in as_turns if p.misfit(f, points) >= threshold]
        rows.append(
            [f"{label}, misfit ≥ {threshold:.3f}", _rate(len(taken), len(flat)), _rate(refused, len(real))]
        )
        per_photo.append((label, _both_sides(taken, turn)))
        flat_misfits = [p.misfit(f, points) for _, f, p in flat]
        section.table(
            ["pairs", "count", "min", "5 %", "median", "95 %", "max"],
            [
                [
                    name,
                    str(len(values)),
                    *(f"{q:.3f}" for q in np.nanquantile(values, (0, 0.05, 0.5, 0.95, 1))),
                ]
                for name, values in (("real turns", real_misfits), ("flat pictures", flat_misfits))
            ],
            f"Plane misfit of the {label} (the highest threshold refusing ≤ 2 % of real turns: "
            f"{_threshold(real_misfits):.3f})",
        )
    rows.insert(
        0, ["the challenge alone (|yaw| ≥ 20°)", _rate(len(as_turns), len(flat)), _rate(0, len(real))]
    )
    section.table(
        ["a frame counts as a turn with", "flat pictures taken for a turn", "real turns refused"],
        rows,
        "Per frame",
    )
    photos = len(frontal)
    both = [["the challenge alone", _rate(_both_sides([(n, p) for n, _, p in as_turns], turn), photos)]]
    both += [[f"and the {label}", _rate(count, photos)] for label, count in per_photo]
    section.table(
        ["turn check", "photos whose flat picture shows both turns"], both, "Per photo: a two-step challenge"
    )
    section.highlight(
        f"active liveness: flat pictures taken for a head turn {rows[1][1]} with the depth cue, "
        f"{rows[0][1]} without; real turns refused {rows[1][2]}"
    )
    return section


def _both_sides(taken: list[tuple[int, Seen]], turn: float) -> int:
    sides: dict[int, set[str | None]] = {}
    for number, picture in taken:
        sides.setdefault(number, set()).add(side_of(picture.yaw, turn))
    return sum(1 for found in sides.values() if {"left", "right"} <= found)
