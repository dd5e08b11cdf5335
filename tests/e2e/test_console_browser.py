"""The web console (`/console`) in a real Chromium against the running platform: one test per flow, as a user
sees it (boxes drawn on the photo, the similarity, each face's quality checks, search hits with thumbnails, a
liveness check), each leaving a screenshot in test-artifacts/console/.

The console calls the public REST API with the key it is given; here a key of its own tenant, so what the
tests enrol never meets the other tests' galleries.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from services.launcher import Platform
from tests.e2e.browser import launch, origin_of
from tests.e2e.conftest import api_client
from tests.paths import ARTIFACTS_DIR

pytestmark = pytest.mark.e2e

TENANT = "console-browser"
KATY_1 = "deepface/tests/unit/dataset/img42.jpg"
KATY_2 = "deepface/tests/unit/dataset/img27.jpg"
KATY_3 = "deepface/tests/unit/dataset/img28.jpg"
OBAMA = "face_recognition/tests/test_images/obama.jpg"
GROUP_PHOTO = "face-api.js/examples/images/bbt1.jpg"  # several faces
ICAO_CHECKS = 44  # libs/quality/README.md: the document-photo checks of QualityICAO
API_TIMEOUT_MS = 60_000
LIVENESS_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def console_key(api: httpx.Client) -> Iterator[str]:
    """A write key of a tenant of its own; the tenant and all it enrolled are deleted after the module."""
    made = api.post("admin/keys", json={"tenant": TENANT, "scopes": ["write"], "name": "console test"})
    assert made.status_code == 201, made.text
    yield made.json()["key"]
    assert api.delete(f"admin/tenants/{TENANT}").status_code == 200


@pytest.fixture(scope="module")
def console_api(platform: Platform, console_key: str) -> Iterator[httpx.Client]:
    """The API as the console's tenant sees it."""
    with api_client(platform, console_key) as client:
        yield client


@pytest.fixture(scope="module")
def browser(driver: Playwright) -> Iterator[Browser]:
    launched = launch(driver)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = ARTIFACTS_DIR / "console"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_console(browser: Browser, platform: Platform, key: str | None) -> tuple[Page, list[str]]:
    """The console with `key` in the address's fragment (as `make run` prints its link), and the list of
    console errors and uncaught exceptions (CSP violations among them)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{origin_of(platform)}/console" + (f"#key={key}" if key else ""))
    return page, problems


def choose_photo(page: Page, selector: str, faces_dir: Path, *photos: str) -> None:
    page.set_input_files(selector, [str(faces_dir / photo) for photo in photos])


def drop_photo(page: Page, zone: str, faces_dir: Path, photo: str) -> None:
    """Drops the photo on a drop zone, as a file dragged from the desktop."""
    content = base64.b64encode((faces_dir / photo).read_bytes()).decode()
    dropped = page.evaluate_handle(
        """([name, content]) => {
            const bytes = Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
            return transfer;
        }""",
        [Path(photo).name, content],
    )
    page.dispatch_event(zone, "drop", {"dataTransfer": dropped})


def drawn_boxes(page: Page, panel: str) -> list[list[float]]:
    """The face boxes drawn over a panel's photo, as [x, y, width, height] in the photo's pixels."""
    return page.eval_on_selector_all(
        f"{panel} svg rect.box",
        "rects => rects.map(r => ['x', 'y', 'width', 'height'].map(a => +r.getAttribute(a)))",
    )


def test_compare_draws_each_face_with_its_attributes_and_shows_the_similarity(
    platform: Platform,
    browser: Browser,
    console_key: str,
    console_api: httpx.Client,
    faces_dir: Path,
    photo_b64: Callable[[str | Path], str],
    screenshots: Path,
) -> None:
    page, problems = open_console(browser, platform, console_key)
    choose_photo(page, '#compare [data-slot="0"] input', faces_dir, KATY_1)
    drop_photo(page, '#compare [data-slot="1"] .drop', faces_dir, KATY_2)
    similarity = page.locator("#similarity")
    expect(similarity).to_be_visible(timeout=API_TIMEOUT_MS)
    page.screenshot(path=str(screenshots / "compare.png"), full_page=True)

    for slot, photo in ((0, KATY_1), (1, KATY_2)):
        answer = console_api.post("detect", json={"image": photo_b64(photo)})
        (face,) = answer.json()["results"]["detections"]
        panel = f'#compare [data-slot="{slot}"]'
        # The box is drawn where the API found the face, with its five landmarks and its attributes beside.
        assert drawn_boxes(page, panel) == [pytest.approx(face["roi"], abs=0.01)]
        assert page.locator(f"{panel} svg circle.landmark").count() == 5
        attributes = page.locator(f"{panel} .faces").inner_text()
        assert "Age" in attributes and "years" in attributes and "Emotion" in attributes
    images = [{"data": photo_b64(KATY_1)}, {"data": photo_b64(KATY_2)}]
    (pair,) = console_api.post("match", json={"images": images}).json()["results"]
    assert similarity.inner_text() == f"Similarity of the central faces: {pair['similarity'] * 100:.1f} %"
    assert pair["similarity"] > 0.8  # two photos of one person
    assert problems == []


def test_detect_lists_the_quality_checks_of_every_face(
    platform: Platform, browser: Browser, console_key: str, faces_dir: Path, screenshots: Path
) -> None:
    page, problems = open_console(browser, platform, console_key)
    page.click('#tabs [data-tab="quality"]')
    page.select_option("#standard", "QualityICAO")
    choose_photo(page, "#quality-photo", faces_dir, GROUP_PHOTO)
    faces = page.locator("#quality-faces .face")
    expect(faces.first).to_be_visible(timeout=API_TIMEOUT_MS)
    page.screenshot(path=str(screenshots / "quality.png"), full_page=True)

    assert faces.count() >= 4  # every face of the group photo, not only the central one
    assert len(drawn_boxes(page, "#quality")) == faces.count()
    for index in range(faces.count()):
        face = faces.nth(index)
        assert face.locator("summary").inner_text().startswith(f"Face {index + 1}: score ")
        assert face.locator("tr").count() == ICAO_CHECKS + 1  # the standard's checks, under a header row
    first = faces.first  # open: its table is on screen
    expect(first.locator("tr", has_text="Yaw")).to_be_visible()
    assert first.locator("td.status.fail").count() > 0  # a group snapshot is no document photo
    assert problems == []


def test_groups_and_persons_enrol_photos_and_search_shows_hits_with_thumbnails(
    platform: Platform,
    browser: Browser,
    console_key: str,
    console_api: httpx.Client,
    faces_dir: Path,
    screenshots: Path,
) -> None:
    page, problems = open_console(browser, platform, console_key)
    page.click('#tabs [data-tab="gallery"]')
    page.fill("#group-name", "Front desk")
    page.click("#group-form button")
    expect(page.locator("#group option:checked")).to_have_text("Front desk", timeout=API_TIMEOUT_MS)
    enrolled = page.locator("#enrolled")
    for name, photos in (("Katy", (KATY_1, KATY_3)), ("Barack", (OBAMA,))):
        page.fill("#person-name", name)
        page.click("#person-form button")
        expect(enrolled).to_have_text(f"{name} has 0 enrolled photos.", timeout=API_TIMEOUT_MS)
        choose_photo(page, "#enrol-photos", faces_dir, *photos)
        count = f"{len(photos)} enrolled photo{'s' if len(photos) > 1 else ''}"
        expect(enrolled).to_have_text(f"{name} has {count}.", timeout=API_TIMEOUT_MS)

    choose_photo(page, "#search-photo", faces_dir, KATY_2)
    hits = page.locator("#hits li.hit")
    expect(hits.first).to_be_visible(timeout=API_TIMEOUT_MS)
    page.screenshot(path=str(screenshots / "search.png"), full_page=True)
    assert hits.first.locator("strong").inner_text() == "Katy"
    assert hits.first.locator("span").inner_text().startswith("similarity ")
    thumbnail = hits.first.locator("img")
    assert thumbnail.evaluate("image => image.complete && image.naturalWidth > 0")  # a photo, decoded
    assert "Barack" not in page.locator("#hits").inner_text()

    # What the page made is in the API: the group and its two persons.
    (group,) = console_api.get("groups").json()["items"]
    members = console_api.get(f"groups/{group['id']}/persons").json()["items"]
    assert group["name"] == "Front desk"
    assert sorted(person["name"] for person in members) == ["Barack", "Katy"]
    assert problems == []


def test_liveness_check_starts_from_the_console_and_reaches_its_result(
    platform: Platform,
    camera_browser: Browser,
    console_key: str,
    console_api: httpx.Client,
    screenshots: Path,
) -> None:
    page, problems = open_console(camera_browser, platform, console_key)
    page.click('#tabs [data-tab="liveness"]')
    page.click("visage-liveness button")
    result = page.locator("#liveness-result")
    expect(result).to_contain_text("Transaction ", timeout=LIVENESS_TIMEOUT_MS)
    expect(page.locator("#liveness-portrait")).to_be_visible(timeout=API_TIMEOUT_MS)
    page.screenshot(path=str(screenshots / "liveness.png"), full_page=True)

    text = result.inner_text()
    assert text.startswith(("Liveness confirmed.", "Liveness not confirmed"))
    transaction_id = text.rsplit("Transaction ", 1)[1].removesuffix(".")
    stored = console_api.get("v2/liveness", params={"transactionId": transaction_id})
    assert stored.status_code == 200, stored.text
    assert stored.json()["tag"] == "console"  # the console's element
    assert (stored.json()["status"] == 0) == text.startswith("Liveness confirmed.")
    assert problems == []


def test_an_api_refusal_is_one_clear_line_on_the_page(
    platform: Platform, api: httpx.Client, browser: Browser, screenshots: Path
) -> None:
    reader = api.post("admin/keys", json={"tenant": TENANT, "scopes": ["read"], "name": "console reader"})
    page, _ = open_console(browser, platform, None)
    key = reader.json()["key"]
    page.fill("#key", key)  # typed in, not from the address
    page.click("#key-form button")
    expect(page.locator("#key-state")).to_have_text(
        f"Using key {key.split('_')[1]}, sent as Authorization: Bearer."
    )
    page.click('#tabs [data-tab="gallery"]')
    page.fill("#group-name", "Not allowed")
    page.click("#group-form button")
    error = page.locator("#error")
    expect(error).to_be_visible(timeout=API_TIMEOUT_MS)
    page.screenshot(path=str(screenshots / "refusal.png"))
    line = error.inner_text()
    assert line.startswith("Could not create the group: ") and line.endswith("(HTTP 403).")
    assert "\n" not in line

    # A key the gateway does not know: the groups cannot even be listed.
    page.fill("#key", "vsk_unknown_key")
    page.click("#key-form button")
    expect(error).to_contain_text("Could not list the groups: ", timeout=API_TIMEOUT_MS)
    assert error.inner_text().endswith("(HTTP 401).")


def test_the_gateway_serves_the_console_under_the_self_only_csp(platform: Platform) -> None:
    page = httpx.get(f"{origin_of(platform)}/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    script = httpx.get(f"{origin_of(platform)}/console/console.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
