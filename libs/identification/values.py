"""Checking and converting the small values of the API: ids, dates, paging, names."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

from libs.errors import InvalidRequestError
from libs.identification.records import PageRequest

DEFAULT_PAGE_SIZE = 1000  # Regula's default
# One page is read into memory and rendered at once; larger pages are refused rather than served slowly.
MAX_PAGE_SIZE = 10_000


def new_id() -> str:
    return str(uuid.uuid4())


def checked_id(value: str, what: str) -> str:
    """The canonical form of a uuid from the API; InvalidRequestError (400) when it is not one."""
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        raise InvalidRequestError(f"{what} must be a uuid, got {value[:64]!r}") from None


def checked_ids(values: list[str] | tuple[str, ...], what: str) -> tuple[str, ...]:
    """Checked, duplicates dropped, order kept."""
    return tuple(dict.fromkeys(checked_id(value, what) for value in values))


def checked_name(value: str | None, what: str = "name") -> str:
    if value is None or not value.strip():
        raise InvalidRequestError(f"{what} is required and must not be empty")
    return value


def ms_from_iso(value: str, what: str) -> int:
    """Epoch ms of an ISO 8601 date-time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidRequestError(
            f"{what} must be an ISO 8601 date-time like 2030-01-31T12:00:00Z, got {value[:64]!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def page_bounds(request: PageRequest) -> tuple[int, int]:
    """(page, size) with Regula's defaults; InvalidRequestError for values below 1 or a size too large."""
    page = 1 if request.page is None else request.page
    size = DEFAULT_PAGE_SIZE if request.size is None else request.size
    if page < 1:
        raise InvalidRequestError(f"page must be >= 1, got {page}")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidRequestError(f"size must be 1..{MAX_PAGE_SIZE}, got {size}")
    return page, size


def total_pages(total: int, size: int) -> int:
    return math.ceil(total / size)
