"""Writes spanning SQL, objects and vectors when one store fails (simulated by wrappers that raise on chosen
calls): no visible half state, a clean refusal, and nothing left after the reconciler ran."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from libs.errors import NotFoundError, UnavailableError
from libs.identification import GroupFields, Identification, PageRequest, PersonFields, SearchQuery, Upload
from libs.stores.ports import VectorRecord
from services.identification.jobs import ReconcileLoop
from tests import identification_fixtures
from tests.identification_support import KATY, Clock, contents, failing, photo

pytestmark = pytest.mark.unit

# The shared fixtures, by name.
clock = identification_fixtures.clock
identification = identification_fixtures.identification
photo_server = identification_fixtures.photo_server


def _stores(identification: Identification):  # the failing wrappers the fixture put around the stores
    return identification.context.objects, identification.context.vectors


async def _katy(identification: Identification, faces_dir: Path, **fields: object):
    person = await identification.persons.create(PersonFields("Katy", **fields))  # type: ignore[arg-type]
    return person, Upload(content=photo(faces_dir, KATY[0]))


async def _found(
    identification: Identification, faces_dir: Path, group_ids: tuple[str, ...] = ()
) -> list[str]:
    outcome = await identification.search(
        SearchQuery(Upload(content=photo(faces_dir, KATY[1])), group_ids=group_ids)
    )
    return [m.person.id for m in outcome.faces[0].persons]


@pytest.mark.parametrize(("store", "method"), [("objects", "put"), ("vectors", "upsert")])
async def test_failed_add_is_undone_and_refused(
    identification: Identification, faces_dir: Path, store: str, method: str
) -> None:
    objects, vectors = _stores(identification)
    person, upload = await _katy(identification, faces_dir)
    with (
        failing(objects if store == "objects" else vectors, method),
        pytest.raises(UnavailableError) as caught,
    ):
        await identification.images.add(person.id, upload)
    assert caught.value.http_status == 503
    stored = await contents(identification)
    assert (stored.persons, stored.images, stored.objects, stored.vectors) == (1, 0, (), ())
    await identification.images.add(person.id, upload)  # the store is back: the same add works
    assert await _found(identification, faces_dir) == [person.id]


async def test_add_whose_undo_fails_stays_invisible_until_the_reconciler_removes_it(
    identification: Identification, faces_dir: Path, clock: Clock
) -> None:
    objects, vectors = _stores(identification)
    person, upload = await _katy(identification, faces_dir)
    vectors.failing_after.add("upsert")  # the vector is written, then the index dies: no `ready`, no undo
    with failing(objects, "delete"), failing(vectors, "delete"), pytest.raises(UnavailableError):
        await identification.images.add(person.id, upload)
    vectors.failing_after.clear()
    stored = await contents(identification)
    assert (stored.images, len(stored.objects), len(stored.vectors)) == (1, 1, 1)  # `pending` leftovers
    assert (await identification.images.list(person.id, PageRequest())).items == ()
    assert await _found(identification, faces_dir) == []  # the vector's row is not `ready`

    report = await identification.reconciler.run()
    assert report.removed_pending == 0  # still within the grace period: it could be an add in progress
    clock.advance(identification.context.config.pending_grace_seconds + 1)
    report = await identification.reconciler.run()
    assert report.removed_pending == 1
    stored = await contents(identification)
    assert (stored.persons, stored.images, stored.objects, stored.vectors) == (1, 0, (), ())


async def test_delete_during_an_outage_is_invisible_at_once_and_finished_later(
    identification: Identification, faces_dir: Path
) -> None:
    objects, vectors = _stores(identification)
    person, upload = await _katy(identification, faces_dir)
    image = await identification.images.add(person.id, upload)
    with failing(vectors, "delete"):
        await identification.images.delete(person.id, image.id)  # succeeds for the caller
    with pytest.raises(NotFoundError):
        await identification.images.photo(person.id, image.id)
    assert await _found(identification, faces_dir) == []
    assert (await contents(identification)).vectors == (image.id,)
    with failing(vectors, "delete"):
        report = await identification.reconciler.run()
    assert report.incomplete and report.deleted_images == 0
    report = await identification.reconciler.run()
    assert report.deleted_images == 1
    stored = await contents(identification)
    assert (stored.images, stored.objects, stored.vectors) == (0, (), ())

    await identification.images.add(person.id, upload)
    with failing(objects, "delete"):
        await identification.persons.delete(person.id)
    with pytest.raises(NotFoundError):
        await identification.persons.get(person.id)
    assert (await contents(identification)).persons == 1
    assert (await identification.reconciler.run()).deleted_persons == 1
    stored = await contents(identification)
    assert (stored.persons, stored.images, stored.objects, stored.vectors) == (0, 0, (), ())


async def test_group_change_during_an_outage_is_resynced(
    identification: Identification, faces_dir: Path
) -> None:
    _, vectors = _stores(identification)
    old = await identification.groups.create(GroupFields("old"))
    new = await identification.groups.create(GroupFields("new"))
    person, upload = await _katy(identification, faces_dir, groups=[old.id])
    await identification.images.add(person.id, upload)
    with failing(vectors, "set_groups"):
        await identification.groups.update_persons(new.id, add=[person.id], remove=[])
        await identification.groups.update_persons(old.id, add=[], remove=[person.id])
    assert await _found(identification, faces_dir, (old.id,)) == []  # SQL decides: no longer a member
    assert await _found(identification, faces_dir, (new.id,)) == []  # the vector does not carry `new` yet
    report = await identification.reconciler.run()
    assert report.resynced_persons == 1
    assert await _found(identification, faces_dir, (new.id,)) == [person.id]
    assert (await identification.reconciler.run()).resynced_persons == 0


async def test_full_pass_removes_objects_and_vectors_without_rows(
    identification: Identification, faces_dir: Path
) -> None:
    objects, vectors = _stores(identification)
    person, upload = await _katy(identification, faces_dir)
    kept = await identification.images.add(person.id, upload)
    orphan_id = "5d1f1c1e-0000-4000-8000-000000000001"
    await objects.put(f"persons/{person.id}/{orphan_id}", b"stray", "image/jpeg")
    unit = np.zeros(128, dtype=np.float32)
    unit[0] = 1.0
    await vectors.upsert([VectorRecord(orphan_id, person.id, unit, ())])
    light = await identification.reconciler.run(full=False)
    assert (light.orphan_objects, light.orphan_vectors) == (0, 0)
    full = await identification.reconciler.run(full=True)
    assert (full.orphan_objects, full.orphan_vectors) == (1, 1)
    stored = await contents(identification)
    assert (stored.objects, stored.vectors) == ((kept.path,), (kept.id,))


async def test_the_service_loop_reconciles_periodically(identification: Identification, clock: Clock) -> None:
    person = await identification.persons.create(PersonFields("short-lived", ttl=1))
    clock.advance(2)
    loop = ReconcileLoop(
        identification.reconciler, period_seconds=0.05, full_scan_seconds=3600, compaction_seconds=3600
    )
    await loop.start()
    try:
        for _ in range(100):
            if (await contents(identification)).persons == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await loop.stop()
    assert (await contents(identification)).persons == 0
    with pytest.raises(NotFoundError):
        await identification.persons.get(person.id)
