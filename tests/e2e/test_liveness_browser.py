"""`<visage-liveness>` in a real Chromium against the running platform, with a fake camera showing a photo.

Chromium is Debian's (`/usr/bin/chromium`, installed by .ci/run), driven by Playwright's Python client (no
browser download). Its fake capture device plays a Y4M video made here from a photo of tests/data/faces, so
the element goes through the real camera, canvas, Web Crypto and fetch code paths.

Two scenes: a clean digital portrait, which reaches the server as if a camera had filmed the person (an
injection, which passive anti-spoofing does not claim to detect: libs/liveness/README.md), so only the
completed, stored flow is asserted for it; and a printed photo filmed by a phone (labelled `spoof` in
LABELS.csv), a presentation attack that must not be confirmed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from services.launcher import Platform

pytestmark = pytest.mark.e2e

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
RESULT_TIMEOUT_MS = 120_000
EVENT_NAMES = ("visage-start", "visage-result", "visage-error")
WEBM_MAGIC = bytes.fromhex("1a45dfa3")


@dataclass(frozen=True)
class Scene:
    """What the fake camera films: a 4:3 region (left, top, width in pixels) of a photo of tests/data/faces,
    chosen so the face is large in the 640x480 frame (80-120 px between the eyes, as at arm's length)."""

    photo: str
    left: int
    top: int
    width: int


PORTRAIT = Scene("face_recognition/tests/test_images/obama.jpg", left=105, top=0, width=700)
PRINTED_PHOTO = Scene("silent-face-anti-spoofing/images/sample/image_F1.jpg", left=0, top=100, width=480)


def write_fake_camera(scene: Scene, faces_dir: Path, out: Path, seconds: float = 2.0, fps: int = 15) -> Path:
    """A 640x480 Y4M (I420) clip of the scene, drifting a few pixels like a hand-held camera."""
    image = cv2.imread(str(faces_dir / scene.photo))
    assert image is not None, f"cannot read {scene.photo}"
    crop = image[scene.top : scene.top + scene.width * 3 // 4, scene.left : scene.left + scene.width]
    base = cv2.resize(crop, (640, 480), interpolation=cv2.INTER_AREA)
    count = int(seconds * fps)
    with out.open("wb") as video:
        video.write(f"YUV4MPEG2 W640 H480 F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(count):
            phase = 2 * np.pi * index / count
            shift = np.float32([[1, 0, 4 * np.sin(phase)], [0, 1, 2 * np.cos(phase)]])
            frame = cv2.warpAffine(base, shift, (640, 480), borderMode=cv2.BORDER_REPLICATE)
            video.write(b"FRAME\n")
            video.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return out


@pytest.fixture(scope="module")
def driver() -> Iterator[Playwright]:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium (as .ci/run does)"
    )
    with sync_playwright() as playwright:
        yield playwright


def launch(driver: Playwright, *extra_args: str) -> Browser:
    return driver.chromium.launch(executable_path=str(CHROMIUM), args=[*BROWSER_ARGS, *extra_args])


def launch_with_camera(driver: Playwright, video: Path) -> Browser:
    """A browser whose camera is allowed and films `video`."""
    return launch(driver, ACCEPT_CAMERA, f"--use-file-for-fake-video-capture={video}")


@pytest.fixture(scope="module")
def camera_browser(
    driver: Playwright, faces_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    video = write_fake_camera(PORTRAIT, faces_dir, tmp_path_factory.mktemp("fake-camera") / "portrait.y4m")
    browser = launch_with_camera(driver, video)
    yield browser
    browser.close()


def origin_of(platform: Platform) -> str:
    return platform.api_url.removesuffix("/api")


def open_demo(browser: Browser, platform: Platform, query: str = "") -> tuple[Page, list[str]]:
    """The demo page, recording the element's events in `window.visageEvents` and every console error or
    uncaught exception (CSP violations among them) in the returned list."""
    page = browser.new_page(viewport={"width": 1100, "height": 820})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # The demo key (capture + read) in the fragment, as `make run` prints the link.
    page.goto(f"{origin_of(platform)}/liveness/demo{query}#key={platform.keys.demo}")
    page.evaluate(
        """names => {
            window.visageEvents = [];
            for (const name of names) {
                const record = event => window.visageEvents.push({name, detail: event.detail});
                document.addEventListener(name, record);
            }
        }""",
        list(EVENT_NAMES),
    )
    return page, problems


def wait_for_outcome(page: Page) -> dict[str, Any]:
    """The first visage-result or visage-error, as the demo page logged it."""
    page.wait_for_selector(
        '#events li[data-event="visage-result"], #events li[data-event="visage-error"]',
        timeout=RESULT_TIMEOUT_MS,
    )
    events = page.evaluate("window.visageEvents")
    return next(event for event in events if event["name"] != "visage-start")


def status_text(page: Page) -> str:
    return page.inner_text("visage-liveness .status")


def test_passive_check_completes_in_chromium_and_the_transaction_is_stored(
    platform: Platform, api: httpx.Client, camera_browser: Browser, tmp_path: Path
) -> None:
    page, problems = open_demo(camera_browser, platform)
    clicked = time.monotonic()
    page.click("visage-liveness button")
    page.wait_for_selector("visage-liveness .instruction:not([hidden])", timeout=30_000)
    preview_shown = time.monotonic()
    page.screenshot(path=str(tmp_path / "liveness-midflow.png"))
    outcome = wait_for_outcome(page)
    decided = time.monotonic()
    assert outcome["name"] == "visage-result", f"the check failed: {outcome['detail']}"
    result = outcome["detail"]
    events = page.evaluate("window.visageEvents")
    assert [event["name"] for event in events] == ["visage-start", "visage-result"]
    transaction_id = events[0]["detail"]["transactionId"]
    assert result["transactionId"] == transaction_id
    assert result["status"] in (0, 1)
    expected_text = "Liveness confirmed." if result["status"] == 0 else "Liveness not confirmed"
    assert status_text(page).startswith(expected_text)

    # The demo page then shows the transaction it read through GET /api/v2/liveness.
    page.wait_for_selector('#transaction[data-state="loaded"]', timeout=30_000)
    shown = json.loads(page.inner_text("#transaction"))
    assert shown["transactionId"] == transaction_id

    stored = api.get("v2/liveness", params={"transactionId": transaction_id})
    assert stored.status_code == 200, stored.text
    transaction = stored.json()
    assert transaction["transactionId"] == transaction_id
    assert (transaction["tag"], transaction["type"]) == ("demo", 1)  # the demo's tag; 1 = PASSIVE
    assert (transaction["status"], transaction["code"]) == (result["status"], result["code"])
    assert transaction["metadata"]["client"] == "visage-liveness/1"
    # The demo sets `record-video`: the WebM recording of the capture was signed, sent and stored.
    # Links are relative to the API host unless the service is configured with a public base URL.
    video = api.get(str(httpx.URL(origin_of(platform)).join(transaction["video"])))
    assert video.status_code == 200
    assert video.content.startswith(WEBM_MAGIC)
    assert problems == []
    print(
        f"\npassive check: status {result['status']} code {result['code']} "
        f"failedChecks {result.get('failedChecks')}; preview after {preview_shown - clicked:.1f} s, "
        f"decided after {decided - clicked:.1f} s; video {len(video.content)} bytes; "
        f"screenshot {tmp_path / 'liveness-midflow.png'}"
    )


def test_a_printed_photo_held_to_the_camera_is_not_confirmed(
    driver: Playwright, platform: Platform, api: httpx.Client, faces_dir: Path, tmp_path: Path
) -> None:
    browser = launch_with_camera(driver, write_fake_camera(PRINTED_PHOTO, faces_dir, tmp_path / "print.y4m"))
    try:
        page, problems = open_demo(browser, platform)
        page.click("visage-liveness button")
        outcome = wait_for_outcome(page)
        assert outcome["name"] == "visage-result", f"the check failed: {outcome['detail']}"
        result = outcome["detail"]
        assert (result["status"], result["code"], result["failedChecks"]) == (1, 254, ["passive"])
        assert status_text(page) == "Liveness not confirmed (failed: passive)."
        assert page.inner_text("visage-liveness .outcome") == "\u2717 Not confirmed"
        stored = api.get("v2/liveness", params={"transactionId": result["transactionId"]}).json()
        assert (stored["status"], stored["code"]) == (1, 254)
        assert problems == []
    finally:
        browser.close()


def test_active_check_shows_each_head_turn_of_the_server_challenge(
    platform: Platform, api: httpx.Client, camera_browser: Browser
) -> None:
    page, problems = open_demo(camera_browser, platform, "?type=active")
    # Every instruction the user is shown, in order, as a screen reader would announce it.
    page.evaluate(
        """() => {
            const root = document.querySelector("visage-liveness").shadowRoot;
            const instruction = root.querySelector(".instruction");
            window.instructions = [];
            new MutationObserver(() => {
                if (!instruction.hidden) window.instructions.push(instruction.textContent);
            }).observe(instruction, {childList: true, attributes: true, characterData: true});
        }"""
    )
    page.click("visage-liveness button")
    outcome = wait_for_outcome(page)
    assert outcome["name"] == "visage-result", f"the check failed: {outcome['detail']}"
    challenge = page.evaluate("window.visageEvents")[0]["detail"]["challenge"]
    assert challenge, "an active check gets a head-turn challenge"
    turns = [text for text in page.evaluate("window.instructions") if text.startswith("Turn your head")]
    assert turns == [f"Turn your head to your {step}" for step in challenge]

    transaction = api.get("v2/liveness", params={"transactionId": outcome["detail"]["transactionId"]}).json()
    assert transaction["type"] == 0  # ACTIVE
    assert transaction["status"] in (0, 1)
    assert problems == []
    print(f"\nactive check: challenge {challenge}, status {transaction['status']} code {transaction['code']}")


def test_denied_camera_shows_an_error_and_starts_no_transaction(
    driver: Playwright, platform: Platform
) -> None:
    # Without the fake-UI flag, headless Chromium dismisses the permission prompt: the user said no.
    browser = launch(driver)
    try:
        page, _ = open_demo(browser, platform)
        page.click("visage-liveness button")
        outcome = wait_for_outcome(page)
        assert outcome["name"] == "visage-error"
        assert "Camera access was denied" in outcome["detail"]["message"]
        assert "Camera access was denied" in status_text(page)
        assert [event["name"] for event in page.evaluate("window.visageEvents")] == ["visage-error"]
        assert page.is_enabled("visage-liveness button")  # the user can try again
    finally:
        browser.close()


def test_unreachable_service_shows_a_network_error(platform: Platform, camera_browser: Browser) -> None:
    page, _ = open_demo(camera_browser, platform)
    page.route("**/api/v2/liveness/start", lambda route: route.abort("connectionrefused"))
    page.click("visage-liveness button")
    outcome = wait_for_outcome(page)
    assert outcome["name"] == "visage-error"
    assert "could not be reached" in status_text(page)
    # The camera is released after a failure (its preview is gone).
    preview = "document.querySelector('visage-liveness').shadowRoot.querySelector('video').srcObject"
    assert page.evaluate(preview) is None


def test_a_page_over_plain_http_off_localhost_asks_for_https(driver: Playwright, platform: Platform) -> None:
    # A made-up host name resolved to the loopback gateway: plain HTTP there is not a secure context, so the
    # browser withholds the camera and Web Crypto; the element must say why instead of failing obscurely.
    port = httpx.URL(platform.api_url).port
    browser = launch(driver, ACCEPT_CAMERA, "--host-resolver-rules=MAP visage.test 127.0.0.1")
    try:
        page = browser.new_page()
        page.goto(f"http://visage.test:{port}/liveness/demo")
        assert page.evaluate("window.isSecureContext") is False
        page.click("visage-liveness button")
        page.wait_for_selector('#events li[data-event="visage-error"]', timeout=30_000)
        assert "open it over HTTPS" in status_text(page)
    finally:
        browser.close()


def test_the_gateway_serves_the_element_and_a_locked_down_demo_page(platform: Platform) -> None:
    origin = origin_of(platform)
    script = httpx.get(f"{origin}/liveness/visage-liveness.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "customElements.define" in script.text
    assert script.headers["cache-control"] == "public, max-age=300"
    page = httpx.get(f"{origin}/liveness/demo")
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    # Revalidation with the ETag costs no body.
    again = httpx.get(f"{origin}/liveness/demo", headers={"If-None-Match": page.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
