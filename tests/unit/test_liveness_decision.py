"""The liveness decision on frames built from the labelled photos (real models).

Only 4 live captures (2 people) and 3 attacks are labelled in tests/data/faces: the passive numbers printed
here guard the pipeline; they certify nothing (libs/liveness/README.md says how thin this is).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.errors import FaceSDKResultCode
from libs.faces import FaceEngine
from libs.imaging.decode import decode_image
from libs.liveness.challenge import LEFT, RIGHT
from libs.liveness.decision import (
    CHALLENGE,
    FRAMES,
    HEAD_DEPTH,
    PASSIVE,
    SAME_PERSON,
    Decision,
    DecisionThresholds,
    decide,
)
from libs.liveness.frames import FACE_SIZE, SHARPNESS, FrameLimits, analyze_frame
from tests.liveness_support import WEBCAM_FRONTAL, WEBCAM_TURNED_RIGHT, turned_picture
from tests.photos import LabelledPhoto

pytestmark = pytest.mark.unit

# The group photo's faces are small for a capture: allowed where the point is identity, not size.
SMALL_FACES = FrameLimits(min_eye_distance=30.0)
CAPTURE_FACES = FrameLimits()


def capture_frames(image: np.ndarray) -> list[np.ndarray]:
    """Three slightly different "frames" of one photo: as is, a 96 % centre crop, a little brighter."""
    height, width = image.shape[:2]
    dy, dx = height // 50, width // 50
    cropped = np.ascontiguousarray(image[dy : height - dy, dx : width - dx])
    brighter = cv2.convertScaleAbs(image, alpha=1.0, beta=12)
    return [image, cropped, brighter]


def decide_on(
    engine: FaceEngine,
    images: Sequence[np.ndarray],
    challenge: Sequence[str] = (),
    limits: FrameLimits = CAPTURE_FACES,
) -> Decision:
    analyses = [analyze_frame(engine, image, index, limits) for index, image in enumerate(images)]
    return decide(analyses, challenge, DecisionThresholds())


def photo(faces_dir: Path, relative: str) -> np.ndarray:
    return decode_image((faces_dir / relative).read_bytes())


def test_passive_check_confirms_the_live_sample_and_refuses_every_attack(
    labels: list[LabelledPhoto], face_engine: FaceEngine
) -> None:
    samples = [p for p in labels if p.kind in ("live", "spoof")]
    outcomes = {}
    for sample in samples:
        decision = decide_on(face_engine, capture_frames(decode_image(sample.file.read_bytes())))
        outcomes[sample.path] = (sample.kind, decision)
        print(f"{sample.kind:5s} score {decision.score:.4f} status {decision.status} "
              f"failed {decision.failed_checks} {sample.path}")  # fmt: skip

    attacks = [d for kind, d in outcomes.values() if kind == "spoof"]
    bona_fide = [d for kind, d in outcomes.values() if kind == "live"]
    apcer = sum(d.confirmed for d in attacks) / len(attacks)
    bpcer = sum(not d.confirmed for d in bona_fide) / len(bona_fide)
    print(f"APCER {apcer:.2%} ({len(attacks)} attacks), BPCER {bpcer:.2%} ({len(bona_fide)} bona fide)")
    assert len(attacks) == 3 and len(bona_fide) == 4
    assert apcer == 0.0 and bpcer == 0.0
    for decision in attacks:
        assert decision.status == 1 and PASSIVE in decision.failed_checks
    for live in bona_fide:
        assert live.code == FaceSDKResultCode.FACER_OK and live.failed_checks == ()
        assert live.portrait_frame is not None


def test_attack_frames_fail_with_the_passive_code(
    labels: list[LabelledPhoto], face_engine: FaceEngine
) -> None:
    screen = next(p for p in labels if p.path == "hyperfas/data/fake_screen.png")
    decision = decide_on(face_engine, capture_frames(decode_image(screen.file.read_bytes())))
    assert decision.failed_checks == (PASSIVE,)
    assert decision.code == FaceSDKResultCode.FACER_PASSIVE_LIVENESS_FAIL


def test_active_challenge_is_read_from_head_pose(faces_dir: Path, face_engine: FaceEngine) -> None:
    frontal = [photo(faces_dir, name) for name in WEBCAM_FRONTAL]
    turned_right = photo(faces_dir, WEBCAM_TURNED_RIGHT)  # yaw about -66°: her own right
    turned_left = np.ascontiguousarray(turned_right[:, ::-1])  # the mirror image: her left
    frames = [*frontal, turned_right, frontal[0], turned_left, frontal[2]]

    done = decide_on(face_engine, frames, (RIGHT, LEFT))
    assert done.confirmed, done.details
    assert done.details["turns"] == [RIGHT, LEFT]
    assert done.portrait_frame in (0, 1, 2, 4, 6)  # a frontal frame, never a turned one

    wrong_order = decide_on(face_engine, frames, (LEFT, RIGHT))
    assert wrong_order.failed_checks == (CHALLENGE,)
    assert wrong_order.code == FaceSDKResultCode.FACER_FAILED_LIVENESS_TRANSACTION

    mirrored = decide_on(face_engine, [np.ascontiguousarray(f[:, ::-1]) for f in frames], (RIGHT, LEFT))
    assert CHALLENGE in mirrored.failed_checks  # a mirrored capture swaps the sides

    no_turns = decide_on(face_engine, frontal, (RIGHT, LEFT))
    assert no_turns.failed_checks == (CHALLENGE,)


def test_another_person_in_a_frame_fails_same_person(faces_dir: Path, face_engine: FaceEngine) -> None:
    frontal = [photo(faces_dir, name) for name in WEBCAM_FRONTAL]
    someone_else = photo(faces_dir, "deepface/tests/unit/dataset/img18.jpg")
    decision = decide_on(face_engine, [*frontal, someone_else])
    assert decision.failed_checks == (SAME_PERSON,)
    assert decision.code == FaceSDKResultCode.FACER_FACES_NOT_MATCHED
    assert min(decision.details["cosines"].values()) < 0.38


def test_a_group_photo_fails_same_person(faces_dir: Path, face_engine: FaceEngine) -> None:
    group = photo(faces_dir, "face-api.js/examples/images/bbt1.jpg")
    decision = decide_on(face_engine, [group] * 3, limits=SMALL_FACES)
    assert SAME_PERSON in decision.failed_checks
    assert decision.details["severalFaces"] == [0, 1, 2]


def test_frames_without_usable_faces_fail_first_with_not_enough_frames(
    faces_dir: Path, face_engine: FaceEngine
) -> None:
    landscape = photo(faces_dir, "compreface/embedding-calculator/sample_images/017_0.jpg")
    webcam = photo(faces_dir, WEBCAM_FRONTAL[0])  # 63 px between the eyes
    small = cv2.resize(webcam, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # 31 px: too small
    decision = decide_on(face_engine, [landscape, small, small])
    assert decision.failed_checks[0] == FRAMES
    assert decision.code == FaceSDKResultCode.FACER_NOT_ENOUGH_FRAMES
    assert decision.details["frames"][0]["problem"] == "no face"
    assert decision.details["frames"][1]["problem"].startswith("face too small")
    blurred = cv2.GaussianBlur(photo(faces_dir, "face_recognition/tests/test_images/obama.jpg"), (0, 0), 8)
    assert decide_on(face_engine, [blurred] * 3).details["frames"][0]["problem"].startswith("too blurred")


def test_frames_refused_only_for_their_quality_say_what_to_change(
    faces_dir: Path, face_engine: FaceEngine
) -> None:
    """One face in every frame, but too small or too blurred: 231 LOW_QUALITY naming the reason (move
    closer, hold still), never the "not live" code, so the user knows what to do."""
    webcam = photo(faces_dir, WEBCAM_FRONTAL[0])  # 63 px between the eyes
    far = cv2.resize(webcam, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # 31 px
    too_far = decide_on(face_engine, [far] * 3)
    assert too_far.failed_checks[0] == FACE_SIZE
    assert too_far.code == FaceSDKResultCode.FACER_LOW_QUALITY
    blurred = cv2.GaussianBlur(photo(faces_dir, "face_recognition/tests/test_images/obama.jpg"), (0, 0), 8)
    shaken = decide_on(face_engine, [blurred] * 3)
    assert shaken.failed_checks[0] == SHARPNESS
    assert shaken.code == FaceSDKResultCode.FACER_LOW_QUALITY
    # The same face at the smallest accepted size is judged, not refused for its size.
    near_enough = cv2.resize(webcam, None, fx=0.68, fy=0.68, interpolation=cv2.INTER_AREA)  # ≈ 43 px
    judged = decide_on(face_engine, [near_enough] * 3)
    assert FACE_SIZE not in judged.failed_checks and FRAMES not in judged.failed_checks


def test_a_flat_photo_turned_to_the_camera_is_not_a_head_turn(
    faces_dir: Path, face_engine: FaceEngine
) -> None:
    """Held up and turned 35° either way, a photo of her reads as her head turned to her right both times:
    it cannot follow a right-then-left challenge. And where the pose is fooled, the landmarks still move as
    one plane, so the depth check fails where her real turn passes."""
    frontal = [photo(faces_dir, name) for name in WEBCAM_FRONTAL]
    one_way, other_way = turned_picture(frontal[0], -35.0), turned_picture(frontal[0], 35.0)
    both = decide_on(face_engine, [*frontal, one_way, frontal[1], other_way, frontal[2]], (RIGHT, LEFT))
    assert not both.confirmed and CHALLENGE in both.failed_checks
    flat = decide_on(face_engine, [*frontal, one_way, frontal[1]], (RIGHT,))
    assert flat.details["turns"] == [RIGHT]  # the pose alone is fooled
    assert flat.failed_checks == (HEAD_DEPTH,)
    assert flat.code == FaceSDKResultCode.FACER_FAILED_LIVENESS_TRANSACTION
    real = decide_on(face_engine, [*frontal, photo(faces_dir, WEBCAM_TURNED_RIGHT), frontal[1]], (RIGHT,))
    assert HEAD_DEPTH not in real.failed_checks
    assert min(real.details["planeMisfit"].values()) > max(flat.details["planeMisfit"].values())
