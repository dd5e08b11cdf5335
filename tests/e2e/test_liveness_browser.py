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
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright

from services.launcher import Platform
from tests.e2e.browser import (
    ACCEPT_CAMERA,
    Scene,
    launch,
    launch_with_camera,
    origin_of,
    write_blinking_camera,
    write_fake_camera,
)
from tests.liveness_support import WEBCAM_EYES_OPEN, WEBCAM_EYES_SHUT

pytestmark = pytest.mark.e2e

RESULT_TIMEOUT_MS = 120_000
EVENT_NAMES = ("visage-start", "visage-result", "visage-error")
WEBM_MAGIC = bytes.fromhex("1a45dfa3")
PRINTED_PHOTO = Scene("silent-face-anti-spoofing/images/sample/image_F1.jpg", left=0, top=100, width=480)


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


def test_a_blink_check_asks_for_a_blink_and_a_still_portrait_fails_it(
    platform: Platform, api: httpx.Client, camera_browser: Browser
) -> None:
    page, problems = open_demo(camera_browser, platform, "?type=blink")
    page.click("visage-liveness button")
    instruction = 'document.querySelector("visage-liveness").shadowRoot.querySelector(".instruction")'
    page.wait_for_function(f'() => {instruction}.textContent === "Now blink once"', timeout=30_000)
    outcome = wait_for_outcome(page)
    assert outcome["name"] == "visage-result", f"the check failed: {outcome['detail']}"
    result = outcome["detail"]
    # The portrait on the fake camera never blinks: the blink is the first failed check, with its own code.
    assert (result["status"], result["code"], result["failedChecks"][0]) == (1, 255, "blink")
    assert status_text(page) == "Blink once when asked. Then try again."
    transaction = api.get("v2/liveness", params={"transactionId": result["transactionId"]}).json()
    assert (transaction["type"], transaction["code"]) == (2, 255)
    assert problems == []


def test_a_blink_check_confirms_a_camera_that_blinks(
    driver: Playwright, platform: Platform, api: httpx.Client, faces_dir: Path, tmp_path: Path
) -> None:
    # The clip blinks every 0.87 s for 200 ms; the element's burst after "blink" lasts longer than that.
    clip = write_blinking_camera(WEBCAM_EYES_OPEN, WEBCAM_EYES_SHUT, faces_dir, tmp_path / "blink.y4m")
    browser = launch_with_camera(driver, clip)
    try:
        page, problems = open_demo(browser, platform, "?type=blink")
        page.click("visage-liveness button")
        outcome = wait_for_outcome(page)
        assert outcome["name"] == "visage-result", f"the check failed: {outcome['detail']}"
        result = outcome["detail"]
        transaction = api.get("v2/liveness", params={"transactionId": result["transactionId"]}).json()
        assert (transaction["type"], result["status"], result["code"]) == (2, 0, 0), result
        assert status_text(page) == "Liveness confirmed."
        assert problems == []
    finally:
        browser.close()


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
