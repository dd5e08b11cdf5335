"""Persons: create, read, update, delete, and the groups a person is in.

An expired person (`expireAt` passed) is invisible at once: reads answer 404 and search skips it; the
reconciler purges it later. A person created without `groups` belongs to no group (the 1:N documentation;
the OpenAPI text about a "Default group" contradicts it and is not followed).
"""

from __future__ import annotations

from libs.errors import InvalidRequestError, NotFoundError
from libs.identification.context import IdentificationContext
from libs.identification.records import Group, Page, PageRequest, Person, PersonChanges, PersonFields
from libs.identification.repository import groups as groups_sql
from libs.identification.repository import persons as persons_sql
from libs.identification.repository.rows import dump_json
from libs.identification.values import (
    checked_id,
    checked_ids,
    checked_name,
    ms_from_iso,
    new_id,
    page_bounds,
    total_pages,
)
from libs.identification.writes import remove_person, sync_groups


class Persons:
    def __init__(self, ctx: IdentificationContext) -> None:
        self._ctx = ctx

    async def create(self, fields: PersonFields) -> Person:
        now = self._ctx.now_ms()
        person = Person(
            id=new_id(),
            name=checked_name(fields.name),
            external_id=fields.external_id,
            metadata=dict(fields.metadata),
            groups=checked_ids(list(fields.groups), "groups[]"),
            created_at=now,
            updated_at=None,
            expire_at=_expiry(fields, now),
        )
        async with self._ctx.database.transaction() as tx:
            await groups_sql.require_groups(tx, person.groups, self._ctx.tenant)
            await persons_sql.insert_person(tx, person, self._ctx.tenant)
        return person

    async def get(self, person_id: str) -> Person:
        person_id = checked_id(person_id, "personId")
        person = await persons_sql.get_person(
            self._ctx.database, person_id, self._ctx.now_ms(), self._ctx.tenant
        )
        if person is None:
            raise NotFoundError(f"person {person_id} not found")
        return person

    async def update(self, person_id: str, changes: PersonChanges) -> None:
        """Change the given fields; non-empty `groups` replace the person's groups."""
        person_id = checked_id(person_id, "personId")
        if changes.name is not None:
            checked_name(changes.name)
        groups = checked_ids(list(changes.groups), "groups[]")
        now = self._ctx.now_ms()
        metadata = None if changes.metadata is None else dump_json(changes.metadata)
        async with self._ctx.database.transaction() as tx:
            await groups_sql.require_groups(tx, groups, self._ctx.tenant)
            found = await persons_sql.update_person_fields(
                tx, person_id, now, changes.name, changes.external_id, metadata, self._ctx.tenant
            )
            if not found:
                raise NotFoundError(f"person {person_id} not found")
            if groups:
                await groups_sql.replace_groups(tx, person_id, groups, now)
                await groups_sql.mark_groups_changed(tx, [person_id])
        if groups:
            await sync_groups(self._ctx, person_id)

    async def delete(self, person_id: str) -> None:
        """Invisible at once; its vectors, photos and rows are removed now or by the reconciler."""
        person_id = checked_id(person_id, "personId")
        async with self._ctx.database.transaction() as tx:
            marked = await persons_sql.mark_person_deleting(
                tx, person_id, self._ctx.now_ms(), self._ctx.tenant
            )
        if not marked:
            raise NotFoundError(f"person {person_id} not found")
        await remove_person(self._ctx, person_id)

    async def groups(self, person_id: str, paging: PageRequest) -> Page[Group]:
        person = await self.get(person_id)
        page, size = page_bounds(paging)
        items, total = await groups_sql.list_person_groups(
            self._ctx.database, person.id, (page - 1) * size, size, self._ctx.tenant
        )
        return Page(tuple(items), page, total_pages(total, size))


def _expiry(fields: PersonFields, now: int) -> int | None:
    """`expireAt` (ISO 8601), else legacy `ttl` seconds from now, else never."""
    if fields.expire_at:
        expire_at = ms_from_iso(fields.expire_at, "expireAt")
        if expire_at <= now:
            raise InvalidRequestError(f"expireAt must be in the future, got {fields.expire_at!r}")
        return expire_at
    if fields.ttl is not None:
        if fields.ttl <= 0:
            raise InvalidRequestError(f"ttl must be > 0 seconds, got {fields.ttl}")
        return now + fields.ttl * 1000
    return None
