"""Log lines that say which request they belong to: the request id (X-RequestID) and the trace id.

The gateway and every service bind the request id of the call they serve (`bound_request_id`); the
handler installed by `configure_logging` adds it and the current span's trace and span ids to every record,
so both the JSON and the text format can print them. The fields are computed when a record is emitted, in
the thread that logs, where the call's context variables are (inference threads get them through
`copy_context`).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

from opentelemetry import trace

LogFormat = Literal["json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(trace_id)s]: %(message)s"

_request_id: ContextVar[str] = ContextVar("visage_request_id", default="")


@contextmanager
def bound_request_id(request_id: str) -> Iterator[None]:
    """Within the block, `current_request_id()` is `request_id` (for logs and outgoing calls)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def current_request_id() -> str:
    return _request_id.get()


class CallFields(logging.Filter):
    """Adds `request_id`, `trace_id` and `span_id` ("" outside a call or a sampled trace) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        context = trace.get_current_span().get_span_context()
        valid = context.is_valid
        record.trace_id = format(context.trace_id, "032x") if valid else ""
        record.span_id = format(context.span_id, "016x") if valid else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, trace_id, span_id[, exception]."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "trace_id": getattr(record, "trace_id", ""),
            "span_id": getattr(record, "span_id", ""),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def log_handler(log_format: LogFormat, stream: object = None) -> logging.Handler:
    """A stream handler (stderr by default) in `log_format` that carries the call's fields."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.addFilter(CallFields())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(level: str, log_format: LogFormat) -> None:
    """The process's root logging: one handler on stderr, in `log_format`, at `level`."""
    logging.basicConfig(level=level, handlers=[log_handler(log_format)], force=True)
