"""The blink cue of PASSIVE_WITH_BLINK (Regula 8.3 LivenessType 2): the eyes open, then shut, then open again.

Each frame with one face gets its eyes read by the face mesh with the eye-closedness score of the face
attributes (`libs.quality.traits.eye_closed`: eye aspect ratio below 0.155 reads closed), so the blink and
`/api/detect`'s EyeLeft/EyeRight agree on every frame. A frame counts as shut when both eyes read closed and
as open when both read open; one eye of each (a wink, or a misread half-shut frame) counts as neither. A still
photo replayed as frames shows one state throughout and never blinks; a video replay of a blinking person
does, so the blink adds to the passive check, it does not replace it. Measured: bench/liveness_blink.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from libs.quality.traits import DECISION

OPEN, SHUT = "open", "shut"


def eye_state(eyes_closed: tuple[float, float] | None) -> str | None:
    """OPEN, SHUT, or None (no reading, or the two eyes disagree) from the two eyes' closedness scores."""
    if eyes_closed is None or any(math.isnan(score) for score in eyes_closed):
        return None
    if all(score >= DECISION for score in eyes_closed):
        return SHUT
    if all(score < DECISION for score in eyes_closed):
        return OPEN
    return None


def eye_states(readings: Sequence[tuple[float, float] | None]) -> tuple[str, ...]:
    """The eyes' states in frame order, frames without one skipped, repeats merged: ("open", "shut", ...)."""
    states: list[str] = []
    for reading in readings:
        state = eye_state(reading)
        if state is not None and (not states or states[-1] != state):
            states.append(state)
    return tuple(states)


def blinked(readings: Sequence[tuple[float, float] | None]) -> bool:
    """Open, then shut, then open again somewhere in the frames (their order is the capture's)."""
    states = eye_states(readings)
    return any(states[i : i + 3] == (OPEN, SHUT, OPEN) for i in range(len(states) - 2))
