"""The liveness capture protocol on real stores and real models: start, signed submit, refusals, one decision,
expiry, deletion that leaves nothing behind, housekeeping.

Runs against each store configuration of the `liveness_stores` fixture (embedded: SQLite + folder; server:
PostgreSQL + S3), checking SQL rows and objects directly, not through the API.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from libs.errors import (
    InvalidRequestError,
    LivenessAlreadySubmittedError,
    LivenessSignatureError,
    LivenessTransactionExpiredError,
    NotFoundError,
    UnavailableError,
)
from libs.faces import FaceEngine
from libs.imaging.decode import decode_image
from libs.liveness.challenge import LEFT, RIGHT
from libs.liveness.housekeeping import housekeep
from libs.liveness.policy import LivenessPolicy
from libs.liveness.repository import TransactionRepository
from libs.liveness.submission import SubmissionDesk
from libs.liveness.transactions import LivenessTransactions, StartCommand
from libs.stores.factory import StoreSettings, open_database, open_objects
from libs.stores.ports import Database, ObjectStore
from services.common.inference import InferenceRunner
from tests.liveness_support import (
    LIVE_SAMPLE,
    SCREEN_ATTACK,
    TINY_WEBM,
    WEBCAM_EYES_OPEN,
    WEBCAM_EYES_SHUT,
    WEBCAM_FRONTAL,
    WEBCAM_TURNED_RIGHT,
    Clock,
    capture_frames,
    signed,
)

pytestmark = pytest.mark.integration

SECRET = bytes(range(32))


@dataclasses.dataclass
class Desk:
    transactions: LivenessTransactions
    desk: SubmissionDesk
    database: Database
    objects: ObjectStore
    clock: Clock

    async def rows(self) -> list[str]:
        return [row["id"] for row in await self.database.fetch("SELECT id FROM liveness_transactions")]

    async def keys(self, prefix: str = "") -> list[str]:
        return [key async for key in self.objects.keys(prefix)]


@pytest.fixture(params=["server", "embedded"])
async def liveness_stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Database, ObjectStore]]:
    """Empty stores: PostgreSQL + S3 (moto), then SQLite + a folder. Liveness needs no vector index, so the
    session's database and S3 servers are used without starting Milvus (`tests/fixtures_stores.py`)."""
    if request.param == "server":
        postgres = request.getfixturevalue("postgres_database")
        s3 = request.getfixturevalue("s3_server")
        settings = StoreSettings(
            database_url=postgres.url,
            objects_url=s3.objects_url("visage-liveness-test"),
            s3_access_key=s3.access_key,
            s3_secret_key=s3.secret_key,
            timeout_seconds=3.0,
        )
    else:
        settings = StoreSettings(data_dir=tmp_path)
    database = await open_database(settings, "liveness")
    objects = await open_objects(settings)
    try:
        if request.param == "server":  # one database and bucket per session: empty them for this test
            await database.execute("DROP SCHEMA public CASCADE")
            await database.execute("CREATE SCHEMA public")
            for key in [key async for key in objects.keys("")]:
                await objects.delete(key)
        yield database, objects
    finally:
        await objects.close()
        await database.close()


@pytest.fixture(scope="module")
def runner(face_engine: FaceEngine) -> InferenceRunner:
    return InferenceRunner(1, engine=face_engine)


@pytest.fixture
async def desk(liveness_stores: tuple[Database, ObjectStore], runner: InferenceRunner) -> AsyncIterator[Desk]:
    database, objects = liveness_stores
    repository = TransactionRepository(database)
    await repository.migrate()
    clock = Clock()
    transactions = LivenessTransactions(repository, objects, SECRET, LivenessPolicy(), clock)
    yield Desk(transactions, SubmissionDesk(transactions, runner.run), database, objects, clock)


async def test_a_passive_check_is_started_submitted_decided_and_read_back(
    desk: Desk, faces_dir: Path
) -> None:
    started = await desk.transactions.start(StartCommand(tag="session-1", metadata={"app": "test", "n": 2}))
    record = started.record
    assert record.challenge == () and started.ttl_seconds == 120 and len(started.key) == 64
    assert (await desk.transactions.get(record.id)).status is None  # undecided

    frames = capture_frames(faces_dir, LIVE_SAMPLE)
    outcome = await desk.desk.submit(signed(started.key, record.id, frames, TINY_WEBM))

    view = outcome.view
    assert (view.status, view.code, view.failed_checks) == (0, 0, ())
    assert view.metadata == {"app": "test", "n": 2} and view.tag == "session-1"
    assert view.portrait == f"/api/v2/liveness/media?transactionId={record.id}&name=portrait"
    assert view.video == f"/api/v2/liveness/media?transactionId={record.id}&name=video"
    assert await desk.transactions.get(record.id) == view
    portrait, content_type = await desk.transactions.media(record.id, "portrait")
    assert content_type == "image/jpeg" and decode_image(portrait).shape[2] == 3
    assert await desk.transactions.media(record.id, "video") == (TINY_WEBM, "video/webm")
    assert (await desk.transactions.media(record.id, "frame-2"))[0] == frames[2]
    # Regula's session layout under the tenant's prefix: .../year=/month=/day=/hour=/minute=/{tag}/{id}/
    keys = await desk.keys()
    layout = "tenants/default/liveness/year=2026/month=09/day=21/hour="
    assert len(keys) == 5 and all(key.startswith(layout) for key in keys)
    assert all(f"/session-1/{record.id}/" in key for key in keys)


async def test_a_screen_attack_is_stored_as_not_confirmed(desk: Desk, faces_dir: Path) -> None:
    started = await desk.transactions.start(StartCommand())
    outcome = await desk.desk.submit(
        signed(started.key, started.record.id, capture_frames(faces_dir, SCREEN_ATTACK))
    )
    assert (outcome.view.status, outcome.view.code, outcome.view.failed_checks) == (1, 254, ("passive",))
    assert outcome.decision.score < 0.5
    _, view_portrait, _ = await desk.transactions.portrait(started.record.id)
    assert view_portrait == b""  # never handed out for matching


async def test_a_passive_check_with_blink_wants_the_eyes_shut_between_open_frames(
    desk: Desk, faces_dir: Path
) -> None:
    opened, shut = ((faces_dir / name).read_bytes() for name in (WEBCAM_EYES_OPEN, WEBCAM_EYES_SHUT))
    blinking = await desk.transactions.start(StartCommand(type=2))
    outcome = await desk.desk.submit(signed(blinking.key, blinking.record.id, [opened, shut, opened]))
    assert (outcome.view.type, outcome.view.status, outcome.view.code) == (2, 0, 0), outcome.decision.details
    assert outcome.decision.details["eyeStates"] == ["open", "shut", "open"]
    # A still photo replayed: live and sharp, but no blink, with a code of its own.
    still = await desk.transactions.start(StartCommand(type=2))
    outcome = await desk.desk.submit(signed(still.key, still.record.id, [opened] * 3))
    assert (outcome.view.status, outcome.view.code, outcome.view.failed_checks) == (1, 255, ("blink",))


async def test_a_replayed_submission_is_refused_and_the_first_decision_stands(
    desk: Desk, faces_dir: Path
) -> None:
    started = await desk.transactions.start(StartCommand())
    submission = signed(started.key, started.record.id, capture_frames(faces_dir, LIVE_SAMPLE))
    first = await desk.desk.submit(submission)
    with pytest.raises(LivenessAlreadySubmittedError, match="already submitted") as refused:
        await desk.desk.submit(submission)
    assert refused.value.http_status == 409
    assert await desk.transactions.get(started.record.id) == first.view


async def test_concurrent_submissions_are_decided_once(desk: Desk, faces_dir: Path) -> None:
    started = await desk.transactions.start(StartCommand())
    frames = capture_frames(faces_dir, LIVE_SAMPLE)
    results = await asyncio.gather(
        *(desk.desk.submit(signed(started.key, started.record.id, frames)) for _ in range(3)),
        return_exceptions=True,
    )
    decided = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(decided) == 1 and all(isinstance(r, LivenessAlreadySubmittedError) for r in refused)
    assert len(await desk.keys()) == 4  # one portrait and 3 frames: the losers wrote nothing


async def test_tampered_or_misdirected_submissions_are_refused_without_using_up_the_transaction(
    desk: Desk, faces_dir: Path
) -> None:
    started = await desk.transactions.start(StartCommand())
    other = await desk.transactions.start(StartCommand())
    frames = capture_frames(faces_dir, LIVE_SAMPLE)
    genuine = signed(started.key, started.record.id, frames)
    attacks = [
        dataclasses.replace(genuine, frames=(frames[0], frames[0], frames[2])),  # a frame swapped
        dataclasses.replace(genuine, video=TINY_WEBM),  # a video added
        dataclasses.replace(genuine, nonce=genuine.nonce[::-1]),
        signed(other.key, started.record.id, frames),  # signed with another transaction's key
        dataclasses.replace(genuine, transaction_id=other.record.id),  # replayed on another transaction
    ]
    for attack in attacks:
        with pytest.raises(LivenessSignatureError, match="signature does not match") as refused:
            await desk.desk.submit(attack)
        assert refused.value.http_status == 403 and refused.value.result_code == 251
    assert (await desk.transactions.get(other.record.id)).status is None
    assert (await desk.desk.submit(genuine)).view.status == 0
    assert await desk.keys() != []


async def test_a_late_submission_is_refused_and_the_transaction_reads_expired(
    desk: Desk, faces_dir: Path
) -> None:
    started = await desk.transactions.start(StartCommand())
    submission = signed(started.key, started.record.id, capture_frames(faces_dir, LIVE_SAMPLE))
    desk.clock.advance(121)
    for _ in range(2):  # the first refusal decides it; the next one is still "expired", not "submitted"
        with pytest.raises(LivenessTransactionExpiredError, match="expired") as refused:
            await desk.desk.submit(submission)
        assert refused.value.http_status == 410 and refused.value.result_code == 250
    view = await desk.transactions.get(started.record.id)
    assert (view.status, view.code, view.portrait) == (1, 250, None)
    assert await desk.keys() == []


async def test_malformed_and_unknown_submissions(desk: Desk, faces_dir: Path) -> None:
    started = await desk.transactions.start(StartCommand())
    frames = capture_frames(faces_dir, LIVE_SAMPLE)
    good = signed(started.key, started.record.id, frames)
    malformed = [
        (dataclasses.replace(good, nonce="short"), "nonce"),
        (dataclasses.replace(good, signature="zz"), "signature"),
        (dataclasses.replace(good, frames=tuple(frames[:2])), "3..24 frames"),
        (dataclasses.replace(good, frames=(b"GIF89a...", *frames[1:])), r"frames\[0\]: not an image"),
        (dataclasses.replace(good, video=b"not a video"), "WebM or MP4"),
        (dataclasses.replace(good, transaction_id="42"), "uuid"),
    ]
    for submission, message in malformed:
        with pytest.raises(InvalidRequestError, match=message):
            await desk.desk.submit(submission)
    with pytest.raises(NotFoundError, match="no liveness transaction"):
        await desk.desk.submit(signed(started.key, "0b6b1e8e-0000-4000-8000-000000000001", frames))
    with pytest.raises(InvalidRequestError, match="tag"):
        await desk.transactions.start(StartCommand(tag="bad tag!"))
    with pytest.raises(InvalidRequestError, match="type"):
        await desk.transactions.start(StartCommand(type=3))


async def test_an_active_check_follows_the_challenge(desk: Desk, faces_dir: Path) -> None:
    started = await desk.transactions.start(StartCommand(type=0))
    challenge = started.record.challenge
    assert set(challenge) <= {LEFT, RIGHT} and 2 <= len(challenge) <= 3
    frontal = [(faces_dir / name).read_bytes() for name in WEBCAM_FRONTAL]
    right = (faces_dir / WEBCAM_TURNED_RIGHT).read_bytes()  # her head turned to her right
    left = _mirrored_jpeg(right)
    turn = {RIGHT: right, LEFT: left}
    frames = [*frontal, *(frame for step in challenge for frame in (turn[step], frontal[0]))]
    outcome = await desk.desk.submit(signed(started.key, started.record.id, frames))
    assert outcome.view.status == 0, outcome.decision.details
    assert outcome.decision.details["turns"] == list(challenge)


def _mirrored_jpeg(data: bytes) -> bytes:
    from libs.imaging import encode_jpeg

    image = decode_image(data)
    return encode_jpeg(image[:, ::-1].copy(), 95)


async def test_delete_removes_rows_and_objects_from_every_store(desk: Desk, faces_dir: Path) -> None:
    frames = capture_frames(faces_dir, LIVE_SAMPLE)
    ids = []
    for tag in ("keep", "drop", "drop"):
        started = await desk.transactions.start(StartCommand(tag=tag))
        await desk.desk.submit(signed(started.key, started.record.id, frames, TINY_WEBM))
        ids.append(started.record.id)
    kept, first, second = ids
    assert len(await desk.keys()) == 3 * 5

    assert await desk.transactions.delete(first, None) == 1
    assert sorted(await desk.rows()) == sorted([kept, second])
    assert [key for key in await desk.keys() if first in key] == []
    with pytest.raises(NotFoundError):
        await desk.transactions.get(first)
    with pytest.raises(NotFoundError):
        await desk.transactions.delete(first, None)
    with pytest.raises(NotFoundError, match="in tag keep"):
        await desk.transactions.delete(second, "keep")

    assert await desk.transactions.delete(None, "drop") == 1
    assert await desk.rows() == [kept]
    assert all(kept in key for key in await desk.keys()) and len(await desk.keys()) == 5
    assert await desk.transactions.delete(None, "nothing-here") == 0
    with pytest.raises(InvalidRequestError, match="transactionId or tag"):
        await desk.transactions.delete(None, None)


async def test_housekeeping_expires_purges_and_sweeps_orphans(desk: Desk, faces_dir: Path) -> None:
    waiting = await desk.transactions.start(StartCommand())
    done = await desk.transactions.start(StartCommand())
    await desk.desk.submit(signed(done.key, done.record.id, capture_frames(faces_dir, LIVE_SAMPLE)))
    orphan = "liveness/year=2020/month=01/day=01/hour=00/minute=00/t/0b6b1e8e-0000-4000-8000-0000000009/p.jpg"
    await desk.objects.put(orphan, b"left behind", "image/jpeg")

    desk.clock.advance(200)
    report = await housekeep(desk.transactions, keep_for_seconds=3600, sweep_orphans=True)
    assert (report.expired, report.purged, report.orphans_removed) == (1, 0, 1)
    view = await desk.transactions.get(waiting.record.id)
    assert (view.status, view.code) == (1, 250)

    desk.clock.advance(3600)
    report = await housekeep(desk.transactions, keep_for_seconds=3600)
    assert report.purged == 2
    assert await desk.rows() == [] and await desk.keys() == []


class FlakyObjects:
    """The real object store, except that the `fail_at`-th put raises as a store outage would."""

    def __init__(self, objects: ObjectStore, fail_at: int) -> None:
        self._objects, self._puts, self.fail_at = objects, 0, fail_at

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self._puts += 1
        if self._puts == self.fail_at:
            raise UnavailableError("object store down")
        await self._objects.put(key, data, content_type)

    def __getattr__(self, name: str) -> object:
        return getattr(self._objects, name)


async def test_a_store_failure_while_saving_leaves_nothing_and_the_client_may_submit_again(
    desk: Desk, faces_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = await desk.transactions.start(StartCommand())
    submission = signed(started.key, started.record.id, capture_frames(faces_dir, LIVE_SAMPLE))
    monkeypatch.setattr(desk.transactions, "objects", FlakyObjects(desk.objects, fail_at=3))
    with pytest.raises(UnavailableError):
        await desk.desk.submit(submission)
    assert await desk.keys() == []  # the portrait and first frame written before the failure are gone
    assert (await desk.transactions.get(started.record.id)).status is None  # still open

    monkeypatch.setattr(desk.transactions, "objects", desk.objects)
    assert (await desk.desk.submit(submission)).view.status == 0
    assert len(await desk.keys()) == 4
