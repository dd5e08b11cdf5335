"""Regula's face attributes (`processParam.attributes`) from the trait models.

Measured: Age (a range of years, no confidence, as Regula's DetectAttributesDetails), Emotion (the strongest
of 7 expressions), Smile (yes/no), Mouth (open/closed), EyeLeft and EyeRight (open/closed; the person's own
left and right). Smile, Mouth and the eyes take their decision and confidence from the same scores as the
quality characteristics Smile, MouthOpen and EyeLeftClosed/EyeRightClosed (libs/quality/traits.py): "yes",
"open" or "closed" when the score reaches 0.5, confidence = the score (or 1 − the score).

Values: Age `[min, max]` years (the estimate ± 5, about the model's mean error); Emotion one of neutral,
happy, sad, angry, fearful, disgusted, surprised (confidence = that class's probability); Smile yes/no;
Mouth, EyeLeft, EyeRight open/closed. Regula documents its returned values on a page the reference spec
only links to, so the words may differ from a Regula server's: compare `value` case-insensitively.

Not measured (no model for them: Glasses, HeadCovering, ForeheadCovering, MedicalMask, Occlusion,
StrongMakeup, Headphones): answered, never dropped, as `{"name": ..., "value": "undetermined", "confidence":
0}`, the word Regula uses for a quality characteristic it could not judge. The same answer is given for a
measured attribute when its model is not loaded (`detection.attributes = false`).

Head pose has no attribute in Regula's list: it is answered by the quality characteristics Yaw, Pitch and Roll
and by /api/match's `rotationAngle`.

Gender is not answered: it is not one of Regula's attributes, an identity check has no use for it, and a
binary guess from a face is wrong for some people in a way that harms them. The model stays in the registry,
unloaded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from libs.errors import InvalidRequestError
from libs.faces.ports import FaceTraits, Trait
from libs.quality.scenarios import FACE_ATTRIBUTES
from libs.quality.traits import DECISION, eye_closed, mouth_open, smiling

UNDETERMINED = "undetermined"
AttributeValue = str | tuple[int, int]


@dataclass(frozen=True, slots=True)
class AttributeReading:
    """One attribute of one face, Regula's DetailItem: `confidence` is None for Age (Regula sends none)."""

    name: str
    value: AttributeValue
    confidence: float | None


@dataclass(frozen=True, slots=True)
class AttributesReport:
    """Regula DetectionAttributes of one face: the readings in request order and the time they took."""

    details: tuple[AttributeReading, ...]
    elapsed_ms: float


def _decided(score: float, yes: str, no: str) -> tuple[str, float] | None:
    if math.isnan(score):
        return None
    return (yes, score) if score >= DECISION else (no, 1.0 - score)


def _age(traits: FaceTraits) -> tuple[AttributeValue, float | None] | None:
    return None if traits.age is None else (traits.age.range, None)


def _emotion(traits: FaceTraits) -> tuple[AttributeValue, float | None] | None:
    return None if traits.expression is None else traits.expression.strongest


def _smile(traits: FaceTraits) -> tuple[AttributeValue, float | None] | None:
    return None if traits.expression is None else _decided(smiling(traits.expression), "yes", "no")


def _mouth(traits: FaceTraits) -> tuple[AttributeValue, float | None] | None:
    return None if traits.mesh is None else _decided(mouth_open(traits.mesh), "open", "closed")


def _eye(right: bool) -> Callable[[FaceTraits], tuple[AttributeValue, float | None] | None]:
    def read(traits: FaceTraits) -> tuple[AttributeValue, float | None] | None:
        return None if traits.mesh is None else _decided(eye_closed(traits.mesh, right), "closed", "open")

    return read


# Attribute → (the trait it needs, how it is read).
MEASURED_ATTRIBUTES: dict[
    str, tuple[Trait, Callable[[FaceTraits], tuple[AttributeValue, float | None] | None]]
] = {
    "Age": (Trait.AGE, _age),
    "Emotion": (Trait.EXPRESSION, _emotion),
    "Smile": (Trait.EXPRESSION, _smile),
    "Mouth": (Trait.MESH, _mouth),
    "EyeLeft": (Trait.MESH, _eye(right=False)),
    "EyeRight": (Trait.MESH, _eye(right=True)),
}


def parse_attributes(names: Sequence[str], where: str = "processParam.attributes") -> tuple[str, ...]:
    """Requested attribute names, checked against Regula's 13 (InvalidRequestError names the bad item)."""
    for index, name in enumerate(names):
        if name not in FACE_ATTRIBUTES:
            raise InvalidRequestError(
                f"{where}.config[{index}]: unknown attribute {name!r}; known: {', '.join(FACE_ATTRIBUTES)}"
            )
    return tuple(names)


def attribute_traits(names: Collection[str]) -> frozenset[Trait]:
    return frozenset(MEASURED_ATTRIBUTES[name][0] for name in names if name in MEASURED_ATTRIBUTES)


def read_attributes(names: Sequence[str], traits: FaceTraits, elapsed_ms: float) -> AttributesReport:
    """The readings of `names` (already checked against Regula's 13) for one face, in request order."""
    details = []
    for name in names:
        reading = None
        if name in MEASURED_ATTRIBUTES:
            reading = MEASURED_ATTRIBUTES[name][1](traits)
        if reading is None:
            details.append(AttributeReading(name, UNDETERMINED, 0.0))
        else:
            value, confidence = reading
            details.append(AttributeReading(name, value, confidence))
    return AttributesReport(tuple(details), elapsed_ms)
