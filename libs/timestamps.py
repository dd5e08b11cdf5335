"""The API's date-time text: epoch milliseconds (how every store keeps time) to ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_from_ms(ms: int) -> str:
    """`2026-11-26T01:02:03.456Z`, the API's date-time format."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
