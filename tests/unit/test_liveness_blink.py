"""The blink check of PASSIVE_WITH_BLINK on real webcam frames (real detector, mesh and anti-spoofing models).

The project's only photo of shut eyes and its open-eyed control, 75 ms apart in one webcam capture
(tests/data/faces/SOURCES.md, LABELS.csv kind "blink").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from libs.errors import FaceSDKResultCode
from libs.faces import FaceEngine
from libs.imaging.decode import decode_image
from libs.liveness.blink import OPEN, SHUT, blinked, eye_states
from libs.liveness.decision import BLINK, Decision, DecisionThresholds, decide
from libs.liveness.frames import FrameLimits, analyze_frame
from tests.liveness_support import WEBCAM_EYES_OPEN as EYES_OPEN
from tests.liveness_support import WEBCAM_EYES_SHUT as EYES_SHUT
from tests.liveness_support import WEBCAM_FRONTAL

pytestmark = pytest.mark.unit


def blink_decision(engine: FaceEngine, faces_dir: Path, frames: Sequence[str]) -> Decision:
    images = [decode_image((faces_dir / relative).read_bytes()) for relative in frames]
    analyses = [analyze_frame(engine, image, i, FrameLimits(), eyes=True) for i, image in enumerate(images)]
    return decide(analyses, (), DecisionThresholds(), blink=True)


def test_open_shut_open_is_a_blink_and_confirms(face_engine: FaceEngine, faces_dir: Path) -> None:
    decision = blink_decision(face_engine, faces_dir, [EYES_OPEN, EYES_SHUT, EYES_OPEN])
    print(decision.details["eyesClosed"], decision.details["score"])
    assert decision.details["eyeStates"] == [OPEN, SHUT, OPEN]
    assert (decision.confirmed, decision.code, decision.failed_checks) == (
        True,
        FaceSDKResultCode.FACER_OK,
        (),
    )
    # The portrait is an open-eyed frame, not the blink.
    assert decision.portrait_frame in (0, 2)


def test_another_open_frame_before_the_blink_also_counts(face_engine: FaceEngine, faces_dir: Path) -> None:
    decision = blink_decision(face_engine, faces_dir, [WEBCAM_FRONTAL[0], EYES_SHUT, EYES_OPEN])
    assert BLINK not in decision.failed_checks and decision.details["eyeStates"] == [OPEN, SHUT, OPEN]


@pytest.mark.parametrize("still", [EYES_OPEN, EYES_SHUT], ids=["open", "shut"])
def test_a_still_photo_replayed_as_frames_never_blinks(
    face_engine: FaceEngine, faces_dir: Path, still: str
) -> None:
    decision = blink_decision(face_engine, faces_dir, [still] * 3)
    # Live, the same person in every frame, sharp and large enough: only the blink fails, with its own code.
    assert (decision.confirmed, decision.code, decision.failed_checks) == (
        False,
        FaceSDKResultCode.FACER_NO_BLINK,
        (BLINK,),
    )


def test_a_shut_then_open_sequence_is_not_a_blink(face_engine: FaceEngine, faces_dir: Path) -> None:
    decision = blink_decision(face_engine, faces_dir, [EYES_SHUT, EYES_OPEN, EYES_OPEN])
    assert decision.failed_checks == (BLINK,) and decision.code == FaceSDKResultCode.FACER_NO_BLINK


def test_the_rule_on_closedness_scores() -> None:
    open_, shut, wink = (0.3, 0.3), (0.6, 0.7), (0.6, 0.3)
    assert blinked([open_, shut, open_]) and blinked([open_, None, shut, shut, wink, open_])
    assert not blinked([open_, wink, open_])  # one eye shut is no blink
    assert not blinked([shut, open_]) and not blinked([open_, shut]) and not blinked([None, None, None])
    assert eye_states([open_, open_, (float("nan"), 0.2), shut, shut]) == (OPEN, SHUT)


def test_other_types_read_no_eyes(face_engine: FaceEngine, faces_dir: Path) -> None:
    image = decode_image((faces_dir / EYES_SHUT).read_bytes())
    analyses = [analyze_frame(face_engine, image, i, FrameLimits()) for i in range(3)]
    decision = decide(analyses, (), DecisionThresholds())
    assert analyses[0].eyes_closed is None and "eyesClosed" not in decision.details
    assert BLINK not in decision.failed_checks
