"""The verdict of one liveness transaction from the analysed frames.

The checks, in this order (the first failure gives the transaction's code; every failure is listed):

    frames      enough frames with exactly one face                                 228 NOT_ENOUGH_FRAMES
      or, when there would be enough but for their quality, each reason:
    faceSize / faceInFrame / sharpness   (move closer, keep it in view, hold still)  231 LOW_QUALITY
    samePerson  no frame shows a second face, and every face matches the reference  237 FACES_NOT_MATCHED
    challenge   ACTIVE only: the frames' head turns are the challenge's             251 FAILED_LIVENESS
    headDepth   ACTIVE only: the turns moved like a head, not a flat picture (depth.py)  251 FAILED_LIVENESS
    blink       PASSIVE_WITH_BLINK only: the eyes open, shut, open again (blink.py)     255 NO_BLINK
    passive     anti-spoofing on the most frontal usable frames                     254 PASSIVE_LIVENESS_FAIL

Numbers and their (thin) calibration: README.md in this folder.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from libs.errors import FaceSDKResultCode
from libs.faces.antispoof import DEFAULT_REAL_THRESHOLD
from libs.faces.compare import SAME_PERSON_COSINE, cosine
from libs.liveness.blink import SHUT, blinked, eye_state, eye_states
from libs.liveness.challenge import challenge_met, performed_turns, side_of
from libs.liveness.depth import MIN_PLANE_MISFIT, plane_misfit
from libs.liveness.frames import FACE_IN_FRAME, FACE_SIZE, SHARPNESS, FrameAnalysis

FRAMES, SAME_PERSON, CHALLENGE, PASSIVE = "frames", "samePerson", "challenge", "passive"
HEAD_DEPTH, BLINK = "headDepth", "blink"
CHECK_CODES = {
    FRAMES: FaceSDKResultCode.FACER_NOT_ENOUGH_FRAMES,
    FACE_SIZE: FaceSDKResultCode.FACER_LOW_QUALITY,
    FACE_IN_FRAME: FaceSDKResultCode.FACER_LOW_QUALITY,
    SHARPNESS: FaceSDKResultCode.FACER_LOW_QUALITY,
    SAME_PERSON: FaceSDKResultCode.FACER_FACES_NOT_MATCHED,
    CHALLENGE: FaceSDKResultCode.FACER_FAILED_LIVENESS_TRANSACTION,
    HEAD_DEPTH: FaceSDKResultCode.FACER_FAILED_LIVENESS_TRANSACTION,
    BLINK: FaceSDKResultCode.FACER_NO_BLINK,
    PASSIVE: FaceSDKResultCode.FACER_PASSIVE_LIVENESS_FAIL,
}


@dataclass(frozen=True, slots=True)
class DecisionThresholds:
    min_frames: int = 3  # usable frames needed (ACTIVE: usable frames that are not turned)
    same_person_cosine: float = SAME_PERSON_COSINE
    turn_degrees: float = 20.0  # |yaw| from which a frame counts as turned
    real_threshold: float = DEFAULT_REAL_THRESHOLD
    passive_frames: int = 3  # the most frontal usable frames averaged for the passive score
    min_plane_misfit: float = MIN_PLANE_MISFIT  # median over the turned frames (depth.py); 0: no check


@dataclass(frozen=True, slots=True)
class Decision:
    confirmed: bool
    code: FaceSDKResultCode
    failed_checks: tuple[str, ...]
    score: float  # mean real-probability of the passive frames, 0 when there were none
    portrait_frame: int | None  # index of the best frontal usable frame
    details: dict[str, Any] = field(default_factory=dict)  # measurements, stored for audits

    @property
    def status(self) -> int:
        return 0 if self.confirmed else 1


def decide(
    frames: Sequence[FrameAnalysis],
    challenge: Sequence[str],
    thresholds: DecisionThresholds,
    blink: bool = False,
) -> Decision:
    """`blink`: a PASSIVE_WITH_BLINK transaction (the frames were analysed with `eyes=True`)."""
    active = bool(challenge)
    turned = {f.index for f in frames if side_of(f.yaw, thresholds.turn_degrees) is not None}
    usable = [f for f in frames if f.usable]

    def rank(frame: FrameAnalysis) -> tuple[bool, tuple[float, float, float]]:
        # Shut eyes last: neither the portrait nor the passive score should come from the blink itself.
        return (eye_state(frame.eyes_closed) == SHUT, frame.frontal_rank())

    # Frames the portrait and the passive score come from: usable, and facing the camera in an ACTIVE check.
    frontal = sorted((f for f in usable if not (active and f.index in turned)), key=rank)
    reference = frontal[0] if frontal else None

    failed = []
    if len(frontal) < thresholds.min_frames:
        # Enough frames of one face facing the camera, refused only for their quality: say what to change.
        facing = [f for f in frames if f.faces == 1 and not (active and f.index in turned)]
        issues = Counter(f.quality_issue for f in facing if f.quality_issue)
        enough = len(facing) >= thresholds.min_frames
        failed.extend([issue for issue, _ in issues.most_common()] if enough and issues else [FRAMES])
    cosines = _cosines_to(reference, frames)
    several_faces = [f.index for f in frames if f.faces > 1]
    if several_faces or any(c < thresholds.same_person_cosine for c in cosines.values()):
        failed.append(SAME_PERSON)
    yaws = [f.yaw if f.face is not None else None for f in frames]
    if active and not challenge_met(challenge, yaws, thresholds.turn_degrees):
        failed.append(CHALLENGE)
    misfits = _misfits_of_turns(reference, frames, turned) if active else {}
    if misfits and float(np.median(list(misfits.values()))) < thresholds.min_plane_misfit:
        failed.append(HEAD_DEPTH)
    # Frames of one face only: a second face is samePerson's failure, and whose eyes would it be?
    eyes = [f.eyes_closed if f.faces == 1 else None for f in frames]
    if blink and not blinked(eyes):
        failed.append(BLINK)
    scored = [
        f.real_probability for f in frontal[: thresholds.passive_frames] if f.real_probability is not None
    ]
    score = float(np.mean(scored)) if scored else 0.0
    if score < thresholds.real_threshold:
        failed.append(PASSIVE)

    details = {
        "frames": [
            {
                "faces": f.faces,
                "yaw": _rounded(f.yaw),
                "eyeDistance": round(f.eye_distance, 1),
                "blur": round(f.blur, 3),
                "real": _rounded(f.real_probability, 4),
                "problem": f.problem,
            }
            for f in frames
        ],
        "usableFrontalFrames": len(frontal),
        "cosines": {str(index): round(value, 4) for index, value in cosines.items()},
        "severalFaces": several_faces,
        "challenge": list(challenge),
        "turns": list(performed_turns(yaws, thresholds.turn_degrees)),
        "planeMisfit": {str(index): round(value, 3) for index, value in misfits.items()},
        "passiveFrames": [f.index for f in frontal[: thresholds.passive_frames]],
        "score": round(score, 4),
    }
    if blink:
        details["eyesClosed"] = [None if e is None else [round(e[0], 3), round(e[1], 3)] for e in eyes]
        details["eyeStates"] = list(eye_states(eyes))
    code = CHECK_CODES[failed[0]] if failed else FaceSDKResultCode.FACER_OK
    portrait = reference.index if reference is not None else None
    return Decision(not failed, code, tuple(failed), score, portrait, details)


def _cosines_to(reference: FrameAnalysis | None, frames: Sequence[FrameAnalysis]) -> dict[int, float]:
    """Cosine of every other frame's face to the reference face (frames without a face have none)."""
    if reference is None or reference.descriptor is None:
        return {}
    return {
        f.index: cosine(reference.descriptor, f.descriptor)
        for f in frames
        if f.descriptor is not None and f.index != reference.index
    }


def _misfits_of_turns(
    reference: FrameAnalysis | None, frames: Sequence[FrameAnalysis], turned: set[int]
) -> dict[int, float]:
    """`plane_misfit` of each turned frame's landmarks against the reference (frontal) frame's."""
    if reference is None or reference.face is None:
        return {}
    before = np.array(reference.face.landmarks, dtype=np.float32)
    found = {
        f.index: plane_misfit(before, np.array(f.face.landmarks, dtype=np.float32), f.eye_distance)
        for f in frames
        if f.index in turned and f.faces == 1 and f.face is not None
    }
    return {index: value for index, value in found.items() if not math.isnan(value)}


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
