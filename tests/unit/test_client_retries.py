"""When `visage.client` sends a call again, and what it raises. The server's side of each case (a 503 on the
first try, a connection that breaks after the request went out) cannot be had on demand from the running
platform, so the answers come from an httpx MockTransport that counts the attempts; the e2e tests
(tests/e2e/test_python_client.py) cover the real 429 and the real error bodies."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from visage.client import (
    ApiUnreachableError,
    BadRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    VisageClient,
)

pytestmark = pytest.mark.unit

Answer = httpx.Response | Exception


def client_answering(*answers: Answer) -> tuple[VisageClient, list[httpx.Request]]:
    """A client whose successive attempts get `answers` (an exception is raised as the transport's)."""
    sent: list[httpx.Request] = []
    pending: Iterator[Answer] = iter(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        answer = next(pending)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return VisageClient("http://visage.test", "key", retries=2, transport=httpx.MockTransport(handle)), sent


def log(status: int, message: str, error_type: str, result_code: int, **headers: str) -> httpx.Response:
    body = {"statusCode": status, "type": error_type, "msg": message, "metadata": {"resultCode": result_code}}
    return httpx.Response(status, json=body, headers=headers)


GROUPS = httpx.Response(200, json={"items": [], "page": 1, "totalPages": 1})
PERSON = httpx.Response(
    201, json={"id": "p1", "name": "Ann", "groups": [], "createdAt": "2026-01-01T00:00:00Z"}
)
UNAVAILABLE = log(503, "identification: UNAVAILABLE", "UnavailableError", 1)


def test_a_read_is_sent_again_after_a_503_and_a_broken_connection() -> None:
    client, sent = client_answering(UNAVAILABLE, httpx.ReadError("reset by peer"), GROUPS)
    assert client.list_groups().items == []
    assert len(sent) == 3 and all(request.headers["Authorization"] == "Bearer key" for request in sent)


def test_a_create_is_not_sent_again_once_it_may_have_arrived() -> None:
    client, sent = client_answering(UNAVAILABLE)
    with pytest.raises(ServerError) as failed:
        client.create_person("Ann")
    assert (failed.value.status, len(sent)) == (503, 1)

    client, sent = client_answering(httpx.ReadTimeout("no answer"))
    with pytest.raises(ApiUnreachableError) as broken:
        client.create_person("Ann")
    assert broken.value.request_sent and len(sent) == 1


def test_a_create_is_sent_again_when_it_never_arrived_or_was_refused_as_too_many() -> None:
    too_many = log(429, "too many requests", "RateLimitedError", 1, **{"Retry-After": "0"})
    client, sent = client_answering(httpx.ConnectError("refused"), too_many, PERSON)
    assert client.create_person("Ann").id == "p1" and len(sent) == 3


def test_retries_run_out_into_the_last_error() -> None:
    client, sent = client_answering(
        *[log(429, "slow down", "RateLimitedError", 1, **{"Retry-After": "0"})] * 3
    )
    with pytest.raises(RateLimitedError) as limited:
        client.list_groups()
    assert (limited.value.retry_after, len(sent)) == (0.0, 3)


@pytest.mark.parametrize(
    ("answer", "kind", "check"),
    [
        (
            log(404, "person not found", "NotFoundError", 7),
            NotFoundError,
            lambda e: (e.message, e.result_code, e.error_type) == ("person not found", 7, "NotFoundError"),
        ),
        (
            httpx.Response(502, text="<html>bad gateway</html>"),  # a proxy's page, not an OperationLog
            ServerError,
            lambda e: e.status == 502 and "bad gateway" in e.message and e.result_code is None,
        ),
        (
            log(409, "already submitted", "LivenessAlreadySubmittedError", 251),
            BadRequestError,
            lambda e: str(e) == "GET /api/persons/p1: 409 already submitted",
        ),
    ],
)
def test_an_error_answer_is_typed_by_its_status_with_its_operation_log(
    answer: httpx.Response, kind: type[Exception], check: Callable[[object], bool]
) -> None:
    client, _ = client_answering(answer, answer, answer)
    with pytest.raises(kind) as failed:
        client.get_person("p1")
    assert check(failed.value)
