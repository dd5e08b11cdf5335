"""The browser tests' Chromium: Debian's, driven by Playwright's Python client (no browser download), with a
fake camera that films a photo of tests/data/faces. Its fixtures, `driver` and `camera_browser`: conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from playwright.sync_api import Browser, Playwright

from services.launcher import Platform

CHROMIUM = Path("/usr/bin/chromium")
# Everything that could reach outside the loopback or slow the start is off; `--headless=new` as on a server.
BROWSER_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
]
ACCEPT_CAMERA = "--use-fake-ui-for-media-stream"  # answers the permission prompt with "allow"


@dataclass(frozen=True)
class Scene:
    """What the fake camera films: a 4:3 region (left, top, width in pixels) of a photo of tests/data/faces,
    chosen so the face is large in the 640x480 frame (80-120 px between the eyes, as at arm's length)."""

    photo: str
    left: int
    top: int
    width: int


PORTRAIT = Scene("face_recognition/tests/test_images/obama.jpg", left=105, top=0, width=700)


def write_fake_camera(scene: Scene, faces_dir: Path, out: Path, seconds: float = 2.0, fps: int = 15) -> Path:
    """A 640x480 Y4M (I420) clip of the scene, drifting a few pixels like a hand-held camera."""
    image = cv2.imread(str(faces_dir / scene.photo))
    assert image is not None, f"cannot read {scene.photo}"
    crop = image[scene.top : scene.top + scene.width * 3 // 4, scene.left : scene.left + scene.width]
    base = cv2.resize(crop, (640, 480), interpolation=cv2.INTER_AREA)
    count = int(seconds * fps)

    def drifted(index: int) -> np.ndarray:
        phase = 2 * np.pi * index / count
        shift = np.float32([[1, 0, 4 * np.sin(phase)], [0, 1, 2 * np.cos(phase)]])
        return cv2.warpAffine(base, shift, (640, 480), borderMode=cv2.BORDER_REPLICATE)

    return write_y4m(out, (drifted(index) for index in range(count)), fps)


def write_y4m(out: Path, frames: Iterable[np.ndarray], fps: int) -> Path:
    """640x480 BGR frames as the Y4M (I420) clip Chromium's fake camera plays in a loop."""
    with out.open("wb") as video:
        video.write(f"YUV4MPEG2 W640 H480 F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            assert frame.shape[:2] == (480, 640), frame.shape
            video.write(b"FRAME\n")
            video.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return out


def write_blinking_camera(
    opened: str,
    shut: str,
    faces_dir: Path,
    out: Path,
    fps: int = 15,
    open_frames: int = 10,
    shut_frames: int = 3,
) -> Path:
    """A 640x480 Y4M clip of two webcam frames of one person, eyes open then shut for `shut_frames` (200 ms at
    15 fps, a blink): Chromium loops it, so the camera blinks every (open + shut) / fps seconds."""
    images = [cv2.imread(str(faces_dir / photo)) for photo in (opened, shut)]
    assert all(image is not None and image.shape[:2] == (480, 640) for image in images), "640x480 frames"
    return write_y4m(out, [images[0]] * open_frames + [images[1]] * shut_frames, fps)


def launch(driver: Playwright, *extra_args: str) -> Browser:
    return driver.chromium.launch(executable_path=str(CHROMIUM), args=[*BROWSER_ARGS, *extra_args])


def launch_with_camera(driver: Playwright, video: Path) -> Browser:
    """A browser whose camera is allowed and films `video`."""
    return launch(driver, ACCEPT_CAMERA, f"--use-file-for-fake-video-capture={video}")


def origin_of(platform: Platform) -> str:
    return platform.api_url.removesuffix("/api")
