"""Tenants in the deletion and repair machinery, on the embedded stores (SQLite, a folder, Milvus Lite): a
DeleteTenant cut short by a store outage is finished by the reconciler; the orphan scans of identification and
liveness find their own objects under `tenants/<tenant>/` and leave each other's alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from libs.errors import InvalidRequestError, NotFoundError
from libs.identification import GroupFields, Identification, PersonFields, SearchQuery, Upload
from libs.liveness.housekeeping import remove_orphans
from libs.liveness.policy import LivenessPolicy
from libs.liveness.repository import TransactionRepository
from libs.liveness.transactions import LivenessTransactions, StartCommand
from libs.stores.ports import VectorRecord
from tests import identification_fixtures
from tests.identification_support import KATY, OBAMA, contents, failing, photo

pytestmark = pytest.mark.unit

clock = identification_fixtures.clock
identification = identification_fixtures.identification
photo_server = identification_fixtures.photo_server


async def _enrol(identification: Identification, faces_dir: Path, name: str, relative: str) -> str:
    group = await identification.groups.create(GroupFields(f"{name}-group"))
    person = await identification.persons.create(PersonFields(name, groups=[group.id]))
    await identification.images.add(person.id, Upload(content=photo(faces_dir, relative)))
    return person.id


async def test_a_delete_tenant_cut_short_by_an_outage_is_finished_by_the_reconciler(
    identification: Identification, faces_dir: Path
) -> None:
    tenant_a = identification.for_tenant("a")
    katy = await _enrol(tenant_a, faces_dir, "Katy", KATY[0])
    barack = await _enrol(identification, faces_dir, "Barack", OBAMA[0])  # the default tenant's
    with failing(identification.context.objects, "delete"):
        deleted = await identification.delete_tenant("a")
    assert (deleted.persons, deleted.groups, deleted.left_for_reconciler) == (0, 1, 1)
    with pytest.raises(NotFoundError):  # invisible at once, though its photo is still stored
        await tenant_a.persons.get(katy)
    assert (await contents(identification)).objects != ()
    probe = SearchQuery(Upload(content=photo(faces_dir, KATY[1])))
    assert (await tenant_a.search(probe)).faces[0].persons == ()

    report = await identification.reconciler.run(full=False)
    assert report.deleted_persons == 1 and not report.incomplete
    stored = await contents(identification)
    assert (stored.persons, stored.groups, stored.memberships, stored.images) == (1, 1, 1, 1)
    assert len(stored.objects) == 1 and stored.objects[0].startswith(f"tenants/default/persons/{barack}/")
    assert await identification.context.vectors.count("a") == 0
    assert await identification.context.vectors.count("default") == 1
    assert (await identification.persons.get(barack)).name == "Barack"
    with pytest.raises(InvalidRequestError):
        await identification.delete_tenant("Not a tenant")


async def test_orphan_scans_find_their_own_objects_under_the_tenant_layout(
    identification: Identification, faces_dir: Path
) -> None:
    # Identification and liveness share one database and one folder here, as they may in a deployment.
    ctx = identification.context
    repository = TransactionRepository(ctx.database)
    await repository.migrate()
    liveness = LivenessTransactions(repository, ctx.objects, b"secret", LivenessPolicy())
    started = await liveness.start(StartCommand(tag="t"), "a")
    portrait = f"{started.record.media_prefix}portrait.jpg"
    assert portrait.startswith("tenants/a/liveness/year=")
    await ctx.objects.put(portrait, b"jpeg", "image/jpeg")

    tenant_a = identification.for_tenant("a")
    katy = await _enrol(tenant_a, faces_dir, "Katy", KATY[0])
    kept = (await contents(identification)).objects
    assert len(kept) == 1 and kept[0].startswith(f"tenants/a/persons/{katy}/")
    photo_orphan = f"tenants/a/persons/{katy}/5d1f1c1e-0000-4000-8000-000000000001"
    old_layout_orphan = f"persons/{katy}/5d1f1c1e-0000-4000-8000-000000000002"
    session = "year=2020/month=01/day=01/hour=00/minute=00/t"
    media_orphan = f"tenants/a/liveness/{session}/0b6b1e8e-0000-4000-8000-000000000009/p.jpg"
    for key in (photo_orphan, old_layout_orphan, media_orphan):
        await ctx.objects.put(key, b"stray", "image/jpeg")
    unit = np.zeros(128, dtype=np.float32)
    unit[0] = 1.0
    await ctx.vectors.upsert([VectorRecord("5d1f1c1e-0000-4000-8000-000000000003", katy, unit, (), "a")])

    report = await identification.reconciler.run(full=True)
    assert (report.orphan_objects, report.orphan_vectors) == (2, 1)
    assert await remove_orphans(liveness) == 1
    left = {key async for key in ctx.objects.keys("")}
    assert left == {kept[0], portrait}
