"""Helpers of the liveness tests: capture frames made from labelled photos, signed submissions, a clock."""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from libs.imaging import encode_jpeg
from libs.imaging.decode import decode_image
from libs.liveness.signing import sign_submission
from libs.liveness.submission import Submission

LIVE_SAMPLE = "silent-face-anti-spoofing/images/sample/image_T1.jpg"
SCREEN_ATTACK = "hyperfas/data/fake_screen.png"
PRINT_ATTACK = "silent-face-anti-spoofing/images/sample/image_F1.jpg"
# One woman filmed by her own 640×480 webcam (Eyashita/VisageTrack): three frontal frames, 63-74 px between
# the eyes, and one with her head turned to her own right (yaw about -66°).
_WEBCAM = "liveness/Eyashita+VisageTrack/Dataset/Real/"
WEBCAM_FRONTAL = tuple(
    _WEBCAM + name for name in ("17010713987074387.jpg", "17010713998696122.jpg", "17010714019774082.jpg")
)
WEBCAM_TURNED_RIGHT = _WEBCAM + "17010714194792855.jpg"
# Her eyes open, and shut 75 ms later (laughing): LABELS.csv kind "blink".
WEBCAM_EYES_OPEN = _WEBCAM + "17010714093468506.jpg"
WEBCAM_EYES_SHUT = _WEBCAM + "17010714094220314.jpg"
# 1x1 WebM header is enough for the store: the video is kept, not decoded.
TINY_WEBM = bytes.fromhex("1a45dfa3") + b"\x9f\x42\x86\x81\x01" + b"webm-session" * 8


class Clock:
    """Epoch milliseconds that only move when a test says so."""

    def __init__(self, start_ms: int = 1_790_000_000_000) -> None:
        self.now = start_ms

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 1000)


def capture_frames(faces_dir: Path, relative: str, count: int = 3) -> list[bytes]:
    """`count` JPEG "frames" of one photo, each a little different (crop, brightness), as a camera gives."""
    image = decode_image((faces_dir / relative).read_bytes())
    height, width = image.shape[:2]
    frames = []
    for index in range(count):
        d = index * max(1, min(height, width) // 100)
        frame = np.ascontiguousarray(image[d : height - d, d : width - d])
        frames.append(encode_jpeg(cv2.convertScaleAbs(frame, alpha=1.0, beta=4 * index), 92))
    return frames


def signed(
    key_hex: str,
    transaction_id: str,
    frames: Sequence[bytes],
    video: bytes | None = None,
    nonce: str | None = None,
) -> Submission:
    nonce = nonce or secrets.token_urlsafe(18)
    signature = sign_submission(bytes.fromhex(key_hex), transaction_id, nonce, frames, video)
    return Submission(transaction_id, nonce, tuple(frames), video, signature)


def turned_picture(image: np.ndarray, degrees: float, distance: float = 2.5) -> np.ndarray:
    """`image` as a flat picture turned `degrees` about its vertical axis in front of a camera `distance`
    picture widths away (perspective), what holding a photo or a screen and turning it shows; 0° gives the
    image back. Positive turns move the picture's right edge (image left) away from the camera."""
    height, width = image.shape[:2]
    focal = 1.2 * width
    angle = math.radians(degrees)
    half = np.array([[-width, -height], [width, -height], [width, height], [-width, height]], float) / 2
    corners = np.column_stack([half, np.zeros(4)])
    rotation = np.array(
        [[math.cos(angle), 0, math.sin(angle)], [0, 1, 0], [-math.sin(angle), 0, math.cos(angle)]]
    )

    def seen(points: np.ndarray) -> np.ndarray:
        placed = points + np.array([0.0, 0.0, distance * width])
        return (focal * placed[:, :2] / placed[:, 2:] + [width / 2, height / 2]).astype(np.float32)

    straight, turned = seen(corners), seen(corners @ rotation.T)
    warp = cv2.getPerspectiveTransform(straight, turned)
    return cv2.warpPerspective(image, warp, (width, height), borderValue=(128, 128, 128))
