"""The soak's steady mixed load: N async clients sending detect, match, enrol (a photo added to a person, a
new person now and then) and search, recording every request's outcome and every acknowledged write."""

from __future__ import annotations

import asyncio
import base64
import csv
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import httpx

from bench.soak_report import DROPPED, HANG, OK, REFUSED, UNAVAILABLE, UNCLEAR_503, Outcome

DETECT, MATCH, SEARCH = "POST /api/detect", "POST /api/match", "POST /api/search"
CREATE_PERSON, ADD_IMAGE = "POST /api/persons", "POST /api/persons/{id}/images"
ROUTES = (DETECT, MATCH, SEARCH, CREATE_PERSON, ADD_IMAGE)
MIX = {DETECT: 3, MATCH: 2, "enrol": 2, SEARCH: 3}  # relative weights of what a client does next
NEW_PERSON_SHARE = 0.2  # of enrolments, those that create a person first
PHOTO_SIDE = 480  # photos are scaled down to this (longest side): the load is about the platform, not pixels
MAX_PHOTOS = 24


def candidate_photos(faces_dir: Path) -> list[Path]:
    """Photos labelled as one face in `faces_dir/LABELS.csv` (made-at-run-time rows skipped)."""
    with (faces_dir / "LABELS.csv").open(newline="") as labels:
        rows = [row for row in csv.DictReader(labels) if row["kind"] == "single" and not row.get("transform")]
    return [faces_dir / row["path"] for row in rows if (faces_dir / row["path"]).is_file()]


def scaled_jpeg(path: Path) -> bytes | None:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        return None
    scale = min(1.0, PHOTO_SIDE / max(image.shape[:2]))
    if scale < 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return encoded.tobytes() if ok else None


def one_face_photos(api_url: str, api_key: str, faces_dir: Path) -> list[str]:
    """Base64 JPEGs in which the platform finds exactly one face (so enrolment and search succeed)."""
    chosen = []
    with httpx.Client(headers={"Authorization": f"Bearer {api_key}"}, timeout=120.0) as client:
        for path in candidate_photos(faces_dir):
            jpeg = scaled_jpeg(path)
            if jpeg is None:
                continue
            encoded = base64.b64encode(jpeg).decode()
            answer = client.post(f"{api_url}/detect", json={"image": encoded})
            if answer.status_code == 200 and len(answer.json()["results"]["detections"]) == 1:
                chosen.append(encoded)
            if len(chosen) >= MAX_PHOTOS:
                break
    if len(chosen) < 2:
        raise RuntimeError(f"fewer than 2 one-face photos under {faces_dir}")
    return chosen


def _kind(answer: httpx.Response) -> tuple[str, str]:
    if answer.is_success:
        return OK, ""
    try:
        message = str(answer.json().get("msg", ""))
    except ValueError:
        message = ""
    if answer.status_code == 503:
        return (UNAVAILABLE if message.strip() else UNCLEAR_503), message[:300]
    return f"HTTP {answer.status_code}", message[:300] or answer.text[:300]


@dataclass
class MixedLoad:
    api_url: str
    api_key: str
    photos: list[str]
    request_timeout: float  # past it a request counts as a hang
    started_at: float = field(default_factory=time.monotonic)
    outcomes: list[Outcome] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)  # acknowledged (201)
    images: list[tuple[str, str]] = field(default_factory=list)  # acknowledged (200): (person id, image id)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _count: int = 0

    def now(self) -> float:
        return time.monotonic() - self.started_at

    async def _send(self, client: httpx.AsyncClient, route: str, path: str, body: dict) -> dict | None:
        """One request; its outcome is recorded. The JSON answer when it succeeded."""
        began = self.now()
        try:
            answer = await client.post(f"{self.api_url}/{path}", json=body)
            kind, message = _kind(answer)
        except httpx.TimeoutException as error:
            kind, message = HANG, repr(error)
        except httpx.ConnectError as error:
            kind, message = REFUSED, repr(error)
        except httpx.TransportError as error:  # reset, closed mid-answer
            kind, message = DROPPED, repr(error)
        self.outcomes.append(Outcome(route, began, self.now() - began, kind, message))
        return answer.json() if kind == OK else None

    async def _enrol(self, client: httpx.AsyncClient, rng: random.Random) -> dict | None:
        if not self.persons or rng.random() < NEW_PERSON_SHARE:
            self._count += 1
            created = await self._send(client, CREATE_PERSON, "persons", {"name": f"soak {self._count}"})
            if created is None:
                return None
            self.persons.append(created["id"])
        person_id = rng.choice(self.persons)
        body = {"image": {"content": rng.choice(self.photos)}}
        added = await self._send(client, ADD_IMAGE, f"persons/{person_id}/images", body)
        if added is not None:
            self.images.append((person_id, added["id"]))
        return added

    async def _client(self, client: httpx.AsyncClient, seed: int) -> None:
        rng = random.Random(seed)
        actions, weights = list(MIX), list(MIX.values())
        while not self.stopping.is_set():
            action = rng.choices(actions, weights)[0]
            if action == DETECT:
                answer = await self._send(client, DETECT, "detect", {"image": rng.choice(self.photos)})
            elif action == MATCH:
                pair = rng.sample(self.photos, 2)
                body = {"images": [{"data": photo} for photo in pair]}
                answer = await self._send(client, MATCH, "match", body)
            elif action == SEARCH:
                body = {"image": {"content": rng.choice(self.photos)}}
                answer = await self._send(client, SEARCH, "search", body)
            else:
                answer = await self._enrol(client, rng)
            if answer is None:  # a failing platform is not hammered in a tight loop
                await asyncio.sleep(0.2)

    async def run(self, clients: int) -> None:
        """Until `stopping` is set: `clients` concurrent clients, each on its own connection."""
        headers = {"Authorization": f"Bearer {self.api_key}"}
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(headers=headers, timeout=self.request_timeout, limits=limits) as client:
            await asyncio.gather(*(self._client(client, seed) for seed in range(clients)))

    def first_success(self, route: str, after: float) -> float | None:
        """When the first request of `route` that started after `after` succeeded (end time), if any."""
        ends = [
            o.started + o.seconds
            for o in self.outcomes
            if o.route == route and o.started >= after and not o.failed
        ]
        return min(ends, default=None)
