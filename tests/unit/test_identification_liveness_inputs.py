"""match_and_search with `livenessTransactionId` images: the portrait of a confirmed transaction is compared
and searched like any photo; unusable transactions are refused with the image named.

Both domains are real: identification over the embedded stores, liveness (start, signed submit, decision)
over SQLite and a folder in tmp, on the same real face engine.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from libs.errors import InvalidRequestError, LivenessNotConfirmedError, NotFoundError, UnavailableError
from libs.faces import FaceEngine
from libs.faces.compare import SAME_PERSON_DISTANCE
from libs.identification import (
    Identification,
    MatchAndSearchImage,
    MatchAndSearchQuery,
    PersonFields,
    Upload,
)
from libs.liveness.policy import LivenessPolicy
from libs.liveness.repository import TransactionRepository
from libs.liveness.submission import SubmissionDesk
from libs.liveness.transactions import LivenessTransactions, StartCommand
from libs.stores.factory import StoreSettings, open_database, open_objects
from libs.usecases.ports import LivenessPortrait
from services.common.inference import InferenceRunner
from tests import identification_fixtures
from tests.identification_support import OTHER, photo
from tests.liveness_support import LIVE_SAMPLE, SCREEN_ATTACK, capture_frames, signed

pytestmark = pytest.mark.unit

clock = identification_fixtures.clock
identification = identification_fixtures.identification
photo_server = identification_fixtures.photo_server


class TransactionPortraits:
    """`LivenessService.GetTransactionPortrait` in process: what the service answers and
    `services.common.liveness_client.LivenessPortraitClient` reads back."""

    def __init__(self, transactions: LivenessTransactions) -> None:
        self.transactions = transactions
        self.asked: list[str] = []

    async def portrait(self, transaction_id: str, tenant: str) -> LivenessPortrait:
        self.asked.append(transaction_id)
        view, data, _content_type = await self.transactions.portrait(transaction_id, tenant)
        return LivenessPortrait(status=view.status, code=view.code, data=data)


@dataclasses.dataclass
class Liveness:
    transactions: LivenessTransactions
    desk: SubmissionDesk
    portraits: TransactionPortraits

    async def decided(self, faces_dir: Path, relative: str) -> str:
        """A transaction started and submitted with frames of the photo `relative`; its id."""
        started = await self.transactions.start(StartCommand())
        transaction_id = started.record.id
        await self.desk.submit(signed(started.key, transaction_id, capture_frames(faces_dir, relative)))
        return transaction_id


@pytest.fixture
async def liveness(tmp_path: Path, face_engine: FaceEngine) -> AsyncIterator[Liveness]:
    settings = StoreSettings(data_dir=tmp_path / "liveness")
    database = await open_database(settings, "liveness")
    objects = await open_objects(settings)
    runner = InferenceRunner(1, engine=face_engine)
    try:
        repository = TransactionRepository(database)
        await repository.migrate()
        transactions = LivenessTransactions(repository, objects, bytes(range(32)), LivenessPolicy())
        desk = SubmissionDesk(transactions, runner.run)
        yield Liveness(transactions, desk, TransactionPortraits(transactions))
    finally:
        runner.close()
        await objects.close()
        await database.close()


@pytest.fixture
def with_liveness(identification: Identification, liveness: Liveness) -> Identification:
    """The same domain and stores, with the liveness service connected."""
    return Identification(dataclasses.replace(identification.context, liveness=liveness.portraits))


async def test_a_confirmed_transaction_is_compared_and_searched_like_a_photo(
    with_liveness: Identification, liveness: Liveness, faces_dir: Path
) -> None:
    person = await with_liveness.persons.create(PersonFields("Live"))
    await with_liveness.images.add(person.id, Upload(content=photo(faces_dir, LIVE_SAMPLE)))
    transaction_id = await liveness.decided(faces_dir, LIVE_SAMPLE)

    images = [
        MatchAndSearchImage(liveness_transaction_id=transaction_id),
        MatchAndSearchImage(content=photo(faces_dir, LIVE_SAMPLE), type=1),
        MatchAndSearchImage(content=photo(faces_dir, OTHER)),
    ]
    outcome = await with_liveness.match_and_search(MatchAndSearchQuery(images))

    assert liveness.portraits.asked == [transaction_id]
    assert [int(d.status) for d in outcome.detections] == [0, 0, 0]
    assert [m.person.id for m in outcome.detections[0].faces[0].persons] == [person.id]
    pairs = {(r.first_index, r.second_index): r for r in outcome.results}
    assert pairs[(0, 1)].distance < SAME_PERSON_DISTANCE < pairs[(0, 2)].distance
    assert pairs[(0, 1)].similarity > 0.9  # the portrait is a crop of the same capture
    assert (pairs[(0, 1)].first_type, pairs[(0, 1)].second_type) == (3, 1)  # no type = LIVE


async def test_unusable_transactions_are_refused_with_the_image_named(
    with_liveness: Identification, liveness: Liveness, faces_dir: Path
) -> None:
    spoof = await liveness.decided(faces_dir, SCREEN_ATTACK)
    undecided = (await liveness.transactions.start(StartCommand())).record.id
    refusals = [
        (spoof, LivenessNotConfirmedError, r"did not confirm liveness \(status 1, code 254\)", 400),
        (undecided, LivenessNotConfirmedError, "is not decided yet", 400),
        (str(uuid.uuid4()), NotFoundError, "no liveness transaction", 404),
    ]
    for transaction_id, error, message, status in refusals:
        images = [
            MatchAndSearchImage(content=photo(faces_dir, OTHER)),
            MatchAndSearchImage(liveness_transaction_id=transaction_id),
        ]
        with pytest.raises(error, match=message) as refused:
            await with_liveness.match_and_search(MatchAndSearchQuery(images))
        assert refused.value.message.startswith("images[1].livenessTransactionId: ")
        assert refused.value.http_status == status


async def test_a_transaction_with_content_or_url_is_refused_before_liveness_is_asked(
    with_liveness: Identification, liveness: Liveness, faces_dir: Path
) -> None:
    transaction_id = await liveness.decided(faces_dir, LIVE_SAMPLE)
    for both in (
        MatchAndSearchImage(content=photo(faces_dir, OTHER), liveness_transaction_id=transaction_id),
        MatchAndSearchImage(image_url="https://example.org/a.jpg", liveness_transaction_id=transaction_id),
    ):
        images = [MatchAndSearchImage(liveness_transaction_id=transaction_id), both]
        with pytest.raises(InvalidRequestError, match=r"images\[1\]: give content, imageUrl or liveness"):
            await with_liveness.match_and_search(MatchAndSearchQuery(images))
    assert liveness.portraits.asked == []


async def test_without_a_liveness_service_a_transaction_id_answers_503(
    identification: Identification, faces_dir: Path
) -> None:
    images = [
        MatchAndSearchImage(content=photo(faces_dir, OTHER)),
        MatchAndSearchImage(liveness_transaction_id=str(uuid.uuid4())),
    ]
    with pytest.raises(UnavailableError, match="not connected to a liveness service") as refused:
        await identification.match_and_search(MatchAndSearchQuery(images))
    assert refused.value.http_status == 503
