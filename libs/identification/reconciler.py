"""The reconciler: finishes what interrupted writes left behind, purges expired persons, removes orphans.

Each pass, in this order:
1. expired persons are marked `deleting` (they were already invisible) and removed like deleted ones;
2. persons and images left `deleting` are removed from the vector index, the object store and SQL;
3. images left `pending` longer than the grace period (an add that died mid-way) are removed the same way;
4. persons whose vectors may carry an old group list (`vectors_stale`) are re-synced;
5. with `full`, photos (under `tenants/<tenant>/persons/`, and `persons/` from before tenants) and vectors
   whose image has no row at all are deleted (orphans of
   a crash between steps, or of a store that came back after a timeout). This walks every key and vector,
   so the service runs it less often than the rest.
A step that meets a store outage stops and leaves its rows for the next pass.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from libs.identification.context import IdentificationContext
from libs.identification.repository import groups as groups_sql
from libs.identification.repository import images as images_sql
from libs.identification.repository import persons as persons_sql
from libs.identification.writes import image_id_of_key, remove_image, remove_person, sync_groups
from libs.tenants import TENANTS_PREFIX

_log = logging.getLogger(__name__)

# Photos written before tenants, and every tenant's (`writes.object_key`). The second walk also lists
# liveness media when both services share a store; `image_id_of_key` leaves those alone.
PHOTO_PREFIXES = ("persons/", TENANTS_PREFIX)


@dataclass
class ReconcileReport:
    purged_expired: int = 0
    deleted_persons: int = 0
    deleted_images: int = 0
    removed_pending: int = 0
    resynced_persons: int = 0
    orphan_objects: int = 0
    orphan_vectors: int = 0
    incomplete: bool = False  # some step met a failing store; its rows wait for the next pass

    @property
    def changed(self) -> int:
        counts = (self.purged_expired, self.deleted_persons, self.deleted_images, self.removed_pending)
        return sum(counts) + self.resynced_persons + self.orphan_objects + self.orphan_vectors


class Reconciler:
    def __init__(self, ctx: IdentificationContext) -> None:
        self._ctx = ctx

    async def run(self, full: bool = True) -> ReconcileReport:
        report = ReconcileReport()
        report.purged_expired = await self.purge_expired(report)
        report.deleted_persons = await self._drain(self._deleting_persons, report)
        report.deleted_images = await self._drain(self._deleting_images, report)
        report.removed_pending = await self._drain(self._stale_pending, report)
        report.resynced_persons = await self._drain(self._stale_vectors, report)
        if full:
            report.orphan_objects = await self._orphan_objects(report)
            report.orphan_vectors = await self._orphan_vectors(report)
        if report.changed or report.incomplete:
            _log.info("reconciler: %s", report)
        return report

    async def compact_vectors(self) -> bool:
        """Start purging deleted vectors from the index (`VectorIndex.compact`); False if none or failed."""
        try:
            return await self._ctx.vectors.compact()
        except Exception as error:
            _log.warning("vector index compaction failed: %s", error)
            return False

    async def purge_expired(self, report: ReconcileReport | None = None) -> int:
        """Remove every person whose `expireAt` has passed; the number purged."""
        report = report or ReconcileReport()
        return await self._drain(self._expired, report)

    async def _drain(self, step: Callable[[], Awaitable[tuple[int, int]]], report: ReconcileReport) -> int:
        """Run `step` (one batch: (rows done, rows tried)) until a batch is short or nothing could be done."""
        total = 0
        while True:
            try:
                done, tried = await step()
            except Exception as error:
                _log.warning("reconciler step %s failed: %s", step.__name__, error)
                report.incomplete = True
                return total
            total += done
            if done < tried:  # a store did not answer: those rows wait for the next pass
                report.incomplete = True
            if tried < self._ctx.config.reconcile_batch or done == 0:
                return total

    async def _expired(self) -> tuple[int, int]:
        ctx = self._ctx
        now = ctx.now_ms()
        ids = await persons_sql.expired_persons(ctx.database, now, ctx.config.reconcile_batch)
        done = 0
        for person_id in ids:
            async with ctx.database.transaction() as tx:
                await persons_sql.mark_person_deleting(tx, person_id, now, tenant=None)
            done += await remove_person(ctx, person_id)
        return done, len(ids)

    async def _deleting_persons(self) -> tuple[int, int]:
        ctx = self._ctx
        batch = ctx.config.reconcile_batch
        ids = await persons_sql.persons_in_state(ctx.database, "deleting", ctx.now_ms(), batch)
        done = sum([await remove_person(ctx, person_id) for person_id in ids])
        return done, len(ids)

    async def _deleting_images(self) -> tuple[int, int]:
        ctx = self._ctx
        batch = ctx.config.reconcile_batch
        rows = await images_sql.images_in_state(ctx.database, "deleting", ctx.now_ms(), batch)
        done = sum([await remove_image(ctx, image_id, key) for image_id, key in rows])
        return done, len(rows)

    async def _stale_pending(self) -> tuple[int, int]:
        ctx = self._ctx
        before = ctx.now_ms() - round(ctx.config.pending_grace_seconds * 1000)
        rows = await images_sql.images_in_state(ctx.database, "pending", before, ctx.config.reconcile_batch)
        done = sum([await remove_image(ctx, image_id, key) for image_id, key in rows])
        return done, len(rows)

    async def _stale_vectors(self) -> tuple[int, int]:
        ctx = self._ctx
        ids = await groups_sql.stale_persons(ctx.database, ctx.config.reconcile_batch)
        done = sum([await sync_groups(ctx, person_id) for person_id in ids])
        return done, len(ids)

    async def _orphan_objects(self, report: ReconcileReport) -> int:
        async def delete(keys: list[str]) -> None:
            for key in keys:
                await self._ctx.store_call("object store delete", self._ctx.objects.delete(key))

        keys = _chained(*(self._ctx.objects.keys(prefix) for prefix in PHOTO_PREFIXES))
        return await self._orphans(keys, image_id_of_key, delete, report)

    async def _orphan_vectors(self, report: ReconcileReport) -> int:
        async def delete(image_ids: list[str]) -> None:
            await self._ctx.store_call("vector index delete", self._ctx.vectors.delete(image_ids))

        return await self._orphans(self._ctx.vectors.image_ids(), lambda image_id: image_id, delete, report)

    async def _orphans(
        self,
        items: AsyncIterator[str],
        image_id_of: Callable[[str], str | None],
        delete: Callable[[list[str]], Awaitable[None]],
        report: ReconcileReport,
    ) -> int:
        """Delete the `items` whose image id has no row. A row is written before its object and vector,
        and removed only after them, so an item without a row is never part of a write in progress.
        Orphans are deleted after the walk, so the listing never sees its own deletions."""
        orphans: list[str] = []
        batch: list[str] = []
        try:
            async for item in items:
                batch.append(item)
                if len(batch) >= self._ctx.config.reconcile_batch:
                    orphans += await self._rowless(batch, image_id_of)
                    batch = []
            orphans += await self._rowless(batch, image_id_of)
            for start in range(0, len(orphans), self._ctx.config.reconcile_batch):
                await delete(orphans[start : start + self._ctx.config.reconcile_batch])
        except Exception as error:
            _log.warning("reconciler: orphan scan stopped: %s", error)
            report.incomplete = True
            return 0
        return len(orphans)

    async def _rowless(self, items: list[str], image_id_of: Callable[[str], str | None]) -> list[str]:
        ids = {item: image_id_of(item) for item in items}
        known = await images_sql.existing_image_ids(self._ctx.database, [i for i in ids.values() if i])
        return [item for item, image_id in ids.items() if image_id is not None and image_id not in known]


async def _chained(*iterators: AsyncIterator[str]) -> AsyncIterator[str]:
    for iterator in iterators:
        async for item in iterator:
            yield item
