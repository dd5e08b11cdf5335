"""What `libs.call_context` carries: the deadline (timeouts cut to what is left) and the face limit."""

from __future__ import annotations

import asyncio

import pytest

from libs.call_context import bounded, call_deadline, call_face_limit, capped, past_deadline, within_deadline
from libs.errors import DeadlineExceededError

pytestmark = pytest.mark.unit


def test_a_timeout_is_cut_to_what_is_left_of_the_deadline() -> None:
    assert bounded(15.0) == 15.0 and not past_deadline()  # no deadline: the step's own timeout
    with call_deadline(2.0):
        assert 1.5 < bounded(15.0) <= 2.0
        assert bounded(0.5) == 0.5
    with call_deadline(None):
        assert bounded(15.0) == 15.0
    assert bounded(15.0) == 15.0  # gone with its block


async def test_nothing_left_is_refused_and_tasks_of_the_call_share_its_deadline() -> None:
    with call_deadline(0.05):
        await asyncio.sleep(0.06)
        assert past_deadline()
        with pytest.raises(DeadlineExceededError):
            bounded(15.0)
    with call_deadline(5.0):
        left = await asyncio.gather(
            *(asyncio.to_thread(bounded, 15.0), asyncio.sleep(0, result=bounded(15.0)))
        )
        assert all(4.0 < seconds <= 5.0 for seconds in left)


def test_the_face_limit_keeps_the_first_faces_and_only_inside_its_call() -> None:
    assert capped([1, 2, 3]) == [1, 2, 3]
    with call_face_limit(2):
        assert capped([1, 2, 3]) == [1, 2] and capped([1]) == [1]
    with call_face_limit(None):
        assert capped([1, 2, 3]) == [1, 2, 3]


async def test_a_call_within_the_deadline_stops_when_the_deadline_does_not_when_its_own_timeout_does() -> (
    None
):
    with call_deadline(0.1), pytest.raises(DeadlineExceededError, match="slow step"):
        await within_deadline(asyncio.sleep(5), "slow step", timeout=10)
    with call_deadline(10), pytest.raises(TimeoutError):
        await within_deadline(asyncio.sleep(5), "slow step", timeout=0.05)  # its own timeout: the store's
    assert await within_deadline(asyncio.sleep(0, result=7), "quick step") == 7  # no deadline, no timeout
