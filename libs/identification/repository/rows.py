"""SQL pieces the repositories share: placeholder lists, the visibility rule, rows to records."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from libs.identification.records import Group, Image, JsonObject, Person
from libs.stores.ports import Row

T = TypeVar("T")

# SQLite allows 32766 variables per statement (999 before 3.32); stay far below.
CHUNK = 500

PERSON_COLUMNS = "p.id, p.name, p.external_id, p.metadata, p.created_at, p.updated_at, p.expire_at"
IMAGE_COLUMNS = (
    "i.id, i.person_id, i.content_type, i.object_key, i.metadata, i.created_at, i.updated_at, i.model"
)
GROUP_COLUMNS = "g.id, g.name, g.metadata, g.created_at, g.updated_at"


def placeholders(first: int, count: int) -> str:
    """`$first, ..., $(first+count-1)`."""
    return ", ".join(f"${n}" for n in range(first, first + count))


def visible_person(alias: str, now_param: int) -> str:
    """SQL condition: the person is `ready` and not expired at `$now_param` (SQL decides visibility)."""
    return f"{alias}.state = 'ready' AND ({alias}.expire_at IS NULL OR {alias}.expire_at > ${now_param})"


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dump_json(value: JsonObject) -> str:
    return json.dumps(dict(value), separators=(",", ":"), ensure_ascii=False)


def load_json(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


def person_from_row(row: Row, groups: Sequence[str]) -> Person:
    return Person(
        id=row["id"],
        name=row["name"],
        external_id=row["external_id"],
        metadata=load_json(row["metadata"]),
        groups=tuple(groups),
        created_at=int(row["created_at"]),
        updated_at=_optional_int(row["updated_at"]),
        expire_at=_optional_int(row["expire_at"]),
    )


def image_from_row(row: Row) -> Image:
    return Image(
        id=row["id"],
        person_id=row["person_id"],
        content_type=row["content_type"],
        object_key=row["object_key"],
        metadata=load_json(row["metadata"]),
        created_at=int(row["created_at"]),
        updated_at=_optional_int(row["updated_at"]),
    )


def group_from_row(row: Row) -> Group:
    return Group(
        id=row["id"],
        name=row["name"],
        metadata=load_json(row["metadata"]),
        created_at=int(row["created_at"]),
        updated_at=_optional_int(row["updated_at"]),
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def column(rows: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows]
