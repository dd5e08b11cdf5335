"""Groups: create, read, rename, delete (its persons stay), and who is in them."""

from __future__ import annotations

from collections.abc import Sequence

from libs.errors import NotFoundError
from libs.identification.context import IdentificationContext
from libs.identification.records import Group, GroupFields, Page, PageRequest, Person
from libs.identification.repository import groups as groups_sql
from libs.identification.repository import persons as persons_sql
from libs.identification.repository.rows import dump_json
from libs.identification.values import checked_id, checked_ids, checked_name, new_id, page_bounds, total_pages
from libs.identification.writes import sync_many


class Groups:
    def __init__(self, ctx: IdentificationContext) -> None:
        self._ctx = ctx

    async def create(self, fields: GroupFields) -> Group:
        group = Group(
            id=new_id(),
            name=checked_name(fields.name),
            metadata=dict(fields.metadata or {}),
            created_at=self._ctx.now_ms(),
            updated_at=None,
        )
        await groups_sql.insert_group(self._ctx.database, group, self._ctx.tenant)
        return group

    async def get(self, group_id: str) -> Group:
        group_id = checked_id(group_id, "groupId")
        group = await groups_sql.get_group(self._ctx.database, group_id, self._ctx.tenant)
        if group is None:
            raise NotFoundError(f"group {group_id} not found")
        return group

    async def list(self, paging: PageRequest) -> Page[Group]:
        page, size = page_bounds(paging)
        items, total = await groups_sql.list_groups(
            self._ctx.database, (page - 1) * size, size, self._ctx.tenant
        )
        return Page(tuple(items), page, total_pages(total, size))

    async def update(self, group_id: str, fields: GroupFields) -> None:
        group_id = checked_id(group_id, "groupId")
        name = checked_name(fields.name)
        metadata = None if fields.metadata is None else dump_json(fields.metadata)
        now = self._ctx.now_ms()
        if not await groups_sql.update_group(
            self._ctx.database, group_id, name, metadata, now, self._ctx.tenant
        ):
            raise NotFoundError(f"group {group_id} not found")

    async def delete(self, group_id: str) -> None:
        """The group goes; its persons stay and leave it (their vectors' group lists follow)."""
        group_id = checked_id(group_id, "groupId")
        async with self._ctx.database.transaction() as tx:
            # Found in the caller's tenant first: another tenant's group and members stay untouched.
            if await groups_sql.get_group(tx, group_id, self._ctx.tenant) is None:
                raise NotFoundError(f"group {group_id} not found")
            members = await groups_sql.group_member_ids(tx, group_id)
            await groups_sql.mark_groups_changed(tx, members)
            await groups_sql.delete_group_row(tx, group_id)
        await sync_many(self._ctx, members)

    async def persons(self, group_id: str, paging: PageRequest) -> Page[Person]:
        group = await self.get(group_id)
        page, size = page_bounds(paging)
        items, total = await persons_sql.list_group_persons(
            self._ctx.database, group.id, (page - 1) * size, size, self._ctx.now_ms(), self._ctx.tenant
        )
        return Page(tuple(items), page, total_pages(total, size))

    async def update_persons(self, group_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
        """Add and remove members; adding a member or removing a non-member changes nothing.

        Persons to add must exist (404 otherwise); unknown ids to remove are ignored."""
        group_id = checked_id(group_id, "groupId")
        adding = checked_ids(list(add), "addItems[]")
        removing = checked_ids(list(remove), "removeItems[]")
        now = self._ctx.now_ms()
        async with self._ctx.database.transaction() as tx:
            if await groups_sql.get_group(tx, group_id, self._ctx.tenant) is None:
                raise NotFoundError(f"group {group_id} not found")
            present = await persons_sql.existing_visible(tx, adding, now, self._ctx.tenant)
            if missing := [person_id for person_id in adding if person_id not in present]:
                raise NotFoundError(f"person {missing[0]} not found")
            # Only members can leave: an unknown id, or one of another tenant, is not marked changed.
            members = set(await groups_sql.group_member_ids(tx, group_id))
            removing = [person_id for person_id in removing if person_id in members]
            await groups_sql.add_members(tx, group_id, adding, now)
            await groups_sql.remove_members(tx, group_id, removing)
            await groups_sql.mark_groups_changed(tx, [*adding, *removing])
        await sync_many(self._ctx, [*adding, *removing])
