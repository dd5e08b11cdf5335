"""`livenessTransactionId` match inputs: the portrait of a confirmed transaction, clear refusals otherwise."""

from __future__ import annotations

import pytest

from libs.errors import (
    InvalidRequestError,
    LivenessNotConfirmedError,
    NotFoundError,
    UnavailableError,
)
from libs.tenants import DEFAULT_TENANT
from libs.usecases.match import MatchImage, MatchRequest, resolve_liveness_images
from libs.usecases.ports import LivenessPortrait

pytestmark = pytest.mark.unit

CONFIRMED = "11111111-1111-4111-8111-111111111111"
SPOOF = "22222222-2222-4222-8222-222222222222"
UNDECIDED = "33333333-3333-4333-8333-333333333333"


class Transactions:
    """A liveness service holding three transactions (the port's contract, in memory)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def portrait(self, transaction_id: str, tenant: str) -> LivenessPortrait:
        assert tenant == DEFAULT_TENANT  # a call without a tenant of its own is the default tenant's
        self.asked.append(transaction_id)
        known = {
            CONFIRMED: LivenessPortrait(0, 0, b"\xff\xd8\xffportrait"),
            SPOOF: LivenessPortrait(1, 254, b""),
            UNDECIDED: LivenessPortrait(None, 0, b""),
        }
        if transaction_id not in known:
            raise NotFoundError(f"no liveness transaction {transaction_id}")
        return known[transaction_id]


async def test_a_confirmed_transaction_gives_its_portrait_as_the_image() -> None:
    source = Transactions()
    request = MatchRequest([MatchImage(b"photo", type=1), MatchImage(liveness_transaction_id=CONFIRMED)])
    resolved = await resolve_liveness_images(request, source)
    assert [image.data for image in resolved.images] == [b"photo", b"\xff\xd8\xffportrait"]
    assert resolved.images[1].liveness_transaction_id is None
    assert resolved.images[1].type is None  # defaults to LIVE like any image without a type
    assert source.asked == [CONFIRMED]


@pytest.mark.parametrize(
    ("transaction_id", "error", "message"),
    [
        (
            SPOOF,
            LivenessNotConfirmedError,
            r"images\[1\]\.livenessTransactionId: .* did not confirm liveness \(status 1, code 254\)",
        ),
        (UNDECIDED, LivenessNotConfirmedError, "is not decided yet"),
        (
            "44444444-4444-4444-8444-444444444444",
            NotFoundError,
            r"images\[1\]\.livenessTransactionId: no liveness transaction",
        ),
    ],
)
async def test_unusable_transactions_are_refused_with_the_input_named(
    transaction_id: str, error: type[Exception], message: str
) -> None:
    request = MatchRequest([MatchImage(b"photo"), MatchImage(liveness_transaction_id=transaction_id)])
    with pytest.raises(error, match=message) as refused:
        await resolve_liveness_images(request, Transactions())
    assert refused.value.http_status == (404 if error is NotFoundError else 400)  # type: ignore[attr-defined]


async def test_data_and_transaction_together_are_refused_before_asking() -> None:
    source = Transactions()
    request = MatchRequest([MatchImage(b"photo"), MatchImage(b"also", liveness_transaction_id=CONFIRMED)])
    with pytest.raises(InvalidRequestError, match="not both"):
        await resolve_liveness_images(request, source)
    assert source.asked == []


async def test_without_a_liveness_service_such_inputs_answer_503() -> None:
    request = MatchRequest([MatchImage(b"photo"), MatchImage(liveness_transaction_id=CONFIRMED)])
    with pytest.raises(UnavailableError, match="liveness_target") as refused:
        await resolve_liveness_images(request, None)
    assert refused.value.http_status == 503
    plain = MatchRequest([MatchImage(b"a"), MatchImage(b"b")])
    assert await resolve_liveness_images(plain, None) is plain
