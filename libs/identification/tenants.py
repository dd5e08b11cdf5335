"""Deleting a whole tenant: its persons (with their photos and descriptors) and its groups, in every store.

One transaction marks every person of the tenant `deleting` (invisible at once, with its images) and removes
the tenant's groups and their memberships. Each person is then finished by the ordinary person deletion
(`writes.remove_person`: vectors, photos, then rows); a person a store failure or a crash leaves `deleting`
is finished by the reconciler, as for a single delete. Calling it again is harmless and finishes what is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from libs.identification.context import IdentificationContext
from libs.identification.repository import groups as groups_sql
from libs.identification.repository import persons as persons_sql
from libs.identification.writes import remove_person


@dataclass(frozen=True, slots=True)
class TenantDeletion:
    persons: int  # persons removed from every store now
    groups: int  # groups removed
    left_for_reconciler: int  # persons still `deleting` (a store failed): the reconciler finishes them


async def delete_tenant(ctx: IdentificationContext, tenant: str) -> TenantDeletion:
    async with ctx.database.transaction() as tx:
        await persons_sql.mark_tenant_deleting(tx, tenant, ctx.now_ms())
        groups = await groups_sql.delete_tenant_groups(tx, tenant)
    removed = 0
    failed: set[str] = set()
    batch = ctx.config.reconcile_batch
    # Also the persons an earlier, interrupted call (or a concurrent delete) left `deleting`.
    while ids := [
        person_id
        for person_id in await persons_sql.tenant_persons_in_state(
            ctx.database, tenant, "deleting", batch + len(failed)
        )
        if person_id not in failed
    ]:
        for person_id in ids:
            if await remove_person(ctx, person_id):
                removed += 1
            else:
                failed.add(person_id)
    return TenantDeletion(removed, groups, len(failed))
