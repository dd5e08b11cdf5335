"""The characteristics read from the trait models: eyes and mouth from the face mesh, gaze and red eyes from
its irises, smile and expression from the expression model.

Each is a flaw score 0..1 (0 = none, 1 = certain) whose decision boundary is 0.5, so Regula's ranges read
the same way for all of them ([0, 0.5] = compliant) and the attribute answers (`EyeLeft: closed`, `Mouth:
open`...) take their decision and confidence from the same score. Where a score comes from a geometric ratio,
the ratio's threshold maps to 0.5 and twice the threshold (or zero) to the ends. Thresholds and how they were
set: README.md in this folder.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from libs.faces.expression import Expression
from libs.faces.mesh import FaceMesh
from libs.faces.ports import FaceTraits, Trait

# Eye aspect ratio below which an eye counts as closed; lip gap / mouth width from which a mouth counts as
# open; iris offset / eye width from which the eyes look away. Eyes: just above the shut eyes of the
# calibration photos (0.124-0.154), so squints (0.10-0.16) mostly count as closed too, as a portrait check
# asking for open eyes should (libs/quality/README.md).
EYE_CLOSED_BELOW = 0.155
MOUTH_OPEN_FROM = 0.15
GAZE_OFF_FROM = 0.20
# Share of the pupil's pixels that are red from which an eye counts as red (flash red-eye).
RED_PUPIL_FROM = 0.3
DECISION = 0.5


def _rising(value: float, threshold: float) -> float:
    """0 at 0, 0.5 at `threshold`, 1 from twice it."""
    return min(1.0, max(0.0, value / (2 * threshold)))


def eye_closed(mesh: FaceMesh, right: bool) -> float:
    ratio = mesh.eye_opening(right)
    return math.nan if math.isnan(ratio) else 1.0 - _rising(ratio, EYE_CLOSED_BELOW)


def mouth_open(mesh: FaceMesh) -> float:
    return _rising(mesh.mouth_opening, MOUTH_OPEN_FROM)


def off_gaze(mesh: FaceMesh) -> float:
    """The larger of the two eyes' iris offsets, as a score (one eye looking away is enough)."""
    offsets = [mesh.gaze_offset(right) for right in (True, False)]
    return _rising(max(offsets), GAZE_OFF_FROM)


def red_pupils(image_bgr: np.ndarray, mesh: FaceMesh) -> float:
    """The redder pupil: share of its pixels (a disc of half the iris radius) that are red, as a score."""
    shares = []
    for right in (True, False):
        disc = mesh.iris_disc(right)
        if disc is None:
            return math.nan
        (cx, cy), radius = disc
        radius = max(1.0, radius / 2)
        left, top = int(cx - radius), int(cy - radius)
        patch = image_bgr[max(0, top) : int(cy + radius) + 1, max(0, left) : int(cx + radius) + 1]
        if patch.size == 0:
            return math.nan
        rows, cols = np.mgrid[0 : patch.shape[0], 0 : patch.shape[1]]
        inside = (cols + max(0, left) - cx) ** 2 + (rows + max(0, top) - cy) ** 2 <= radius**2
        b, g, r = (patch[..., c].astype(np.float32) for c in range(3))
        red = (r > 2.0 * np.maximum(g, b)) & (r > 90)  # dark pupils and skin are not; flash-lit pupils are
        shares.append(float(red[inside].mean()) if inside.any() else math.nan)
    return _rising(max(shares), RED_PUPIL_FROM)


def smiling(expression: Expression) -> float:
    return expression.probability("happy")


def expressive(expression: Expression) -> float:
    """How far from a neutral face: 1 − P(neutral)."""
    return 1.0 - expression.probability("neutral")


TraitCheck = Callable[[np.ndarray, FaceTraits], float | None]


def _mesh_check(measure: Callable[[FaceMesh], float]) -> TraitCheck:
    def check(image_bgr: np.ndarray, traits: FaceTraits) -> float | None:
        return None if traits.mesh is None else measure(traits.mesh)

    return check


def _expression_check(measure: Callable[[Expression], float]) -> TraitCheck:
    def check(image_bgr: np.ndarray, traits: FaceTraits) -> float | None:
        return None if traits.expression is None else measure(traits.expression)

    return check


def _red_eyes(image_bgr: np.ndarray, traits: FaceTraits) -> float | None:
    return None if traits.mesh is None else red_pupils(image_bgr, traits.mesh)


# Characteristic → (the trait it needs, how it is read). The person's right eye is Regula's EyeRight.
TRAIT_CHECKS: dict[str, tuple[Trait, TraitCheck]] = {
    "EyeRightClosed": (Trait.MESH, _mesh_check(lambda m: eye_closed(m, right=True))),
    "EyeLeftClosed": (Trait.MESH, _mesh_check(lambda m: eye_closed(m, right=False))),
    "MouthOpen": (Trait.MESH, _mesh_check(mouth_open)),
    "OffGaze": (Trait.IRIS, _mesh_check(off_gaze)),
    "EyesRed": (Trait.IRIS, _red_eyes),
    "Smile": (Trait.EXPRESSION, _expression_check(smiling)),
    "ExpressionLevel": (Trait.EXPRESSION, _expression_check(expressive)),
}


def traits_for(names: Iterable[str]) -> frozenset[Trait]:
    """The traits the characteristics `names` need."""
    return frozenset(TRAIT_CHECKS[name][0] for name in names if name in TRAIT_CHECKS)
