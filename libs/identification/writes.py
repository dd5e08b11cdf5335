"""Writes that span the three stores, made safe by states in SQL (the source of truth for visibility).

Add an image:    row `pending` → put the photo (if kept) → upsert the vector → row `ready`.
                 Any failure undoes what was done (vector, object, row) and raises; if the undo fails too, the
                 row stays `pending` and the reconciler removes it after a grace period.
Delete:          rows `deleting` first (invisible at once) → vectors → objects → rows. A failure leaves
                 `deleting` rows that the reconciler completes; the caller still sees the delete succeed.
Groups changed:  SQL first (the membership plus `groups_version` + 1 and `vectors_stale`), then the vectors'
                 group lists. Whoever writes group lists checks the version afterwards and writes again if it
                 moved meanwhile, so the last write always carries the current groups; a failure leaves the
                 person `vectors_stale` for the reconciler. Search re-checks membership in SQL anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import numpy as np

from libs.errors import NotFoundError, UnavailableError, VisageError
from libs.identification.context import IdentificationContext
from libs.identification.records import Image
from libs.identification.repository import groups as groups_sql
from libs.identification.repository import images as images_sql
from libs.identification.repository import persons as persons_sql
from libs.stores.ports import VectorRecord
from libs.tenants import split_tenant_key, tenant_prefix

_log = logging.getLogger(__name__)

# Rounds of "write groups, check version" before leaving the rest to the reconciler (groups changing
# faster than this is a client hammering one person).
_SYNC_ROUNDS = 5
# Object deletes of one person in flight at once.
_PARALLEL_DELETES = 8


def object_key(tenant: str, person_id: str, image_id: str) -> str:
    """`tenants/<tenant>/persons/<personId>/<imageId>`: a tenant's photos under one prefix (to list, export
    or delete them together). Images written before tenants keep `persons/<personId>/<imageId>`: reads use
    the key stored in the row."""
    return f"{tenant_prefix(tenant)}persons/{person_id}/{image_id}"


def image_id_of_key(key: str) -> str | None:
    """The image id in a key written by `object_key` (either layout), or None for a key of another shape
    (liveness media under the same `tenants/<tenant>/` prefix, for one)."""
    parts = split_tenant_key(key)[1].split("/")
    return parts[2] if len(parts) == 3 and parts[0] == "persons" and parts[2] else None


async def store_image(
    ctx: IdentificationContext, image: Image, vector: np.ndarray, model: str, photo: bytes | None
) -> None:
    """Add `image` with its descriptor (and its photo when kept); visible once this returns."""
    if not await images_sql.insert_pending(ctx.database, image, model, ctx.now_ms(), ctx.tenant):
        raise NotFoundError(f"person {image.person_id} not found")
    try:
        if photo is not None and image.object_key is not None:
            await ctx.store_call(
                "object store put", ctx.objects.put(image.object_key, photo, image.content_type)
            )
        synced = await groups_sql.groups_and_version(ctx.database, image.person_id)
        if synced is None:
            raise NotFoundError(f"person {image.person_id} was deleted while its image was being added")
        groups, version = synced
        record = VectorRecord(image.id, image.person_id, vector, groups, ctx.tenant)
        await ctx.store_call("vector index upsert", ctx.vectors.upsert([record]))
        if not await images_sql.mark_ready(ctx.database, image.id, ctx.now_ms()):
            raise NotFoundError(f"person {image.person_id} was deleted while its image was being added")
    except BaseException as error:  # cancellation too: a cancelled add must not leave its parts behind
        await remove_image(ctx, image.id, image.object_key)
        if isinstance(error, VisageError) or not isinstance(error, Exception):
            raise
        raise UnavailableError(f"adding the image failed: {type(error).__name__}: {error}") from error
    after = await groups_sql.groups_and_version(ctx.database, image.person_id)
    if after is not None and after[1] != version:  # groups changed while the vector was written
        await sync_groups(ctx, image.person_id)


async def remove_image(ctx: IdentificationContext, image_id: str, key: str | None) -> bool:
    """Remove an image's vector, photo and row: to finish a delete (row `deleting`) or undo an add (row
    `pending`). Both stores are tried even if one fails (less left for the reconciler); the row goes only
    when both succeeded. False when a store did not answer: the row stays for the reconciler."""
    removals = [ctx.store_call("vector index delete", ctx.vectors.delete([image_id]), finishing=True)]
    if key is not None:
        removals.append(ctx.store_call("object store delete", ctx.objects.delete(key), finishing=True))
    return await _finish(
        f"image {image_id}", removals, lambda: images_sql.delete_image_row(ctx.database, image_id)
    )


async def remove_person(ctx: IdentificationContext, person_id: str) -> bool:
    """Finish deleting a person already marked `deleting`: vectors and photos, then the rows."""
    try:
        images = await images_sql.images_of_person(ctx.database, person_id)
    except Exception as error:
        _log.warning("person %s: delete incomplete, left for the reconciler: %s", person_id, error)
        return False
    removals = [
        ctx.store_call("vector index delete", ctx.vectors.delete_person(person_id), finishing=True),
        _delete_objects(ctx, [key for _, key in images if key is not None]),
    ]
    return await _finish(
        f"person {person_id}", removals, lambda: persons_sql.delete_person_row(ctx.database, person_id)
    )


async def _finish(
    what: str, removals: list[Awaitable[None]], delete_row: Callable[[], Awaitable[None]]
) -> bool:
    """Await every removal, then delete the row if they all succeeded."""
    results = await asyncio.gather(*removals, return_exceptions=True)
    failures = [result for result in results if isinstance(result, BaseException)]
    if not failures:
        try:
            await delete_row()
            return True
        except Exception as error:
            failures.append(error)
    _log.warning("%s: removal incomplete, left for the reconciler: %s", what, "; ".join(map(str, failures)))
    return False


async def _delete_objects(ctx: IdentificationContext, keys: Sequence[str]) -> None:
    limit = asyncio.Semaphore(_PARALLEL_DELETES)

    async def one(key: str) -> None:
        async with limit:
            await ctx.store_call("object store delete", ctx.objects.delete(key), finishing=True)

    await asyncio.gather(*(one(key) for key in keys))


async def sync_groups(ctx: IdentificationContext, person_id: str) -> bool:
    """Write the person's SQL groups onto its vectors; False when left `vectors_stale` for the reconciler."""
    for _ in range(_SYNC_ROUNDS):
        try:
            current = await groups_sql.groups_and_version(ctx.database, person_id)
            if current is None:
                return True  # deleted meanwhile: its vectors go with it
            groups, version = current
            groups_written = ctx.vectors.set_groups(person_id, groups)
            await ctx.store_call("vector index set_groups", groups_written, finishing=True)
            if await groups_sql.clear_stale(ctx.database, person_id, version):
                return True
        except Exception as error:
            _log.warning("person %s: vector groups not synced, left for the reconciler: %s", person_id, error)
            await _mark_stale(ctx, person_id)
            return False
    await _mark_stale(ctx, person_id)
    return False


async def _mark_stale(ctx: IdentificationContext, person_id: str) -> None:
    # Another writer may have cleared the flag after our failed write; set it again so the reconciler looks.
    try:
        await ctx.database.execute("UPDATE persons SET vectors_stale = 1 WHERE id = $1", person_id)
    except Exception as error:
        _log.warning("person %s: could not mark vectors stale: %s", person_id, error)


async def sync_many(ctx: IdentificationContext, person_ids: Sequence[str], parallel: int = 8) -> None:
    limit = asyncio.Semaphore(parallel)

    async def one(person_id: str) -> None:
        async with limit:
            await sync_groups(ctx, person_id)

    await asyncio.gather(*(one(person_id) for person_id in dict.fromkeys(person_ids)))
