"""Observability pieces on their own: the JSON log line, the metrics listener, what a store error is."""

from __future__ import annotations

import io
import json
import logging
import socket

import pytest
from prometheus_client import CollectorRegistry

from libs.errors import (
    DeadlineExceededError,
    InvalidRequestError,
    NotFoundError,
    UnavailableError,
    VisageError,
)
from libs.observability.logs import bound_request_id, log_handler
from libs.observability.metrics import MetricsSettings, serve_metrics
from libs.stores.observed import store_fault

pytestmark = pytest.mark.unit


def test_a_json_log_line_carries_the_bound_request_id_and_no_trace_outside_one() -> None:
    lines = io.StringIO()
    logger = logging.getLogger("test.observability.json")
    logger.addHandler(log_handler("json", lines))
    logger.propagate = False
    try:
        with bound_request_id("req-9"):
            logger.warning("inside %s", "a call")
        logger.warning("outside")
    finally:
        logger.handlers.clear()
    inside, outside = (json.loads(line) for line in lines.getvalue().splitlines())
    assert (inside["message"], inside["request_id"], inside["trace_id"]) == ("inside a call", "req-9", "")
    assert inside["level"] == "WARNING" and inside["logger"] == "test.observability.json"
    assert outside["request_id"] == ""


def test_a_taken_metrics_port_is_named_in_the_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(OSError, match=f"cannot serve metrics on 127.0.0.1:{port}"),
            serve_metrics(MetricsSettings(port=port), CollectorRegistry()),
        ):
            pass


def test_disabled_metrics_serve_nothing() -> None:
    with serve_metrics(MetricsSettings(enabled=False), CollectorRegistry()) as port:
        assert port is None


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (UnavailableError("down"), True),
        (DeadlineExceededError("slow"), True),
        (VisageError("broken"), True),
        (OSError("disk"), True),
        (NotFoundError("no such object"), False),
        (InvalidRequestError("duplicate id"), False),
    ],
)
def test_only_outages_and_failures_count_as_store_errors(error: Exception, fault: bool) -> None:
    assert store_fault(error) is fault
