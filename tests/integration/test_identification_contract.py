"""Identification over both store configurations (PostgreSQL + S3 + Milvus server, SQLite + folder + Milvus
Lite): what adds and deletes leave in each store, read directly; real outages of the Milvus and S3 servers in
the middle of an add; 20 concurrent clients on one person."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from libs.call_context import call_deadline
from libs.errors import DeadlineExceededError, UnavailableError
from libs.faces import FaceEngine
from libs.identification import (
    GroupFields,
    Identification,
    PageRequest,
    Person,
    PersonFields,
    SearchQuery,
    Upload,
)
from libs.stores.ports import ObjectStore
from tests.fixtures_stores import StoresUnderTest
from tests.identification_support import KATY, OBAMA, Clock, build, photo, photo_keys
from tests.milvus_server import MilvusStandaloneServer
from tests.stores_support import MotoS3Server

pytestmark = pytest.mark.integration


class HookedObjectStore:
    """The real object store, with a hook run just before (`before_put`) or after (`after_put`) a put."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.before_put: Callable[[], None] | None = None
        self.after_put: Callable[[], None] | None = None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        if self.before_put:
            self.before_put()
        await self.inner.put(key, data, content_type)
        if self.after_put:
            self.after_put()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def _identification(stores: StoresUnderTest, engine: FaceEngine, clock: Clock) -> Identification:
    return build(stores.database, HookedObjectStore(stores.objects), stores.vectors, engine, clock)


async def _rows(stores: StoresUnderTest, table: str) -> list[dict[str, object]]:
    return [dict(row) for row in await stores.database.fetch(f"SELECT * FROM {table}")]


async def _objects(stores: StoresUnderTest) -> set[str]:
    return await photo_keys(stores.objects)


async def _vectors(stores: StoresUnderTest) -> set[str]:
    return {image_id async for image_id in stores.vectors.image_ids()}


async def test_adds_and_deletes_are_reflected_in_every_store(
    stores: StoresUnderTest, face_engine: FaceEngine, faces_dir: Path
) -> None:
    identification = _identification(stores, face_engine, Clock())
    await identification.migrate()
    group = await identification.groups.create(GroupFields("g"))
    katy = await identification.persons.create(PersonFields("Katy", groups=[group.id]))
    obama = await identification.persons.create(PersonFields("Obama", groups=[group.id]))
    katy_images = [
        await identification.images.add(katy.id, Upload(content=photo(faces_dir, relative)))
        for relative in KATY
    ]
    obama_image = await identification.images.add(obama.id, Upload(content=photo(faces_dir, OBAMA[0])))

    images = [*katy_images, obama_image]
    rows = await _rows(stores, "images")
    assert {row["id"] for row in rows} == {i.id for i in images} and {row["state"] for row in rows} == {
        "ready"
    }
    assert await _objects(stores) == {i.path for i in images}
    assert await _vectors(stores) == {i.id for i in images}
    assert len(await _rows(stores, "person_groups")) == 2

    await identification.images.delete(katy.id, katy_images[0].id)
    assert {row["id"] for row in await _rows(stores, "images")} == {katy_images[1].id, obama_image.id}
    assert await _objects(stores) == {katy_images[1].path, obama_image.path}
    assert await _vectors(stores) == {katy_images[1].id, obama_image.id}

    # A deleted group leaves its persons, and leaves every store: rows, memberships, the vectors' group lists.
    await identification.groups.delete(group.id)
    assert await _rows(stores, "groups") == [] and await _rows(stores, "person_groups") == []
    probe = np.ones(128, dtype=np.float32) / np.sqrt(128)
    assert await stores.vectors.search(probe, 10, groups=[group.id]) == []
    assert len(await stores.vectors.search(probe, 10)) == 2

    await identification.persons.delete(katy.id)
    await identification.persons.delete(obama.id)
    for table in ("persons", "groups", "person_groups", "images"):
        assert await _rows(stores, table) == [], table
    assert await _objects(stores) == set()
    assert await _vectors(stores) == set()


async def _assert_clean_after_reconcile(
    identification: Identification, stores: StoresUnderTest, clock: Clock
) -> None:
    """Reconcile as the service's periodic job would: again while a pass meets a store still recovering
    (a restarted Milvus reloads its collection for a few seconds)."""
    clock.advance(identification.context.config.pending_grace_seconds + 1)
    deadline = time.monotonic() + 120
    while (report := await identification.reconciler.run(full=True)).incomplete:
        assert time.monotonic() < deadline, report
        await asyncio.sleep(1)
    assert await _rows(stores, "images") == []
    assert await _objects(stores) == set()
    assert await _vectors(stores) == set()


async def _add_fails_cleanly(
    identification: Identification, stores: StoresUnderTest, person_id: str, upload: Upload
) -> None:
    started = time.monotonic()
    with pytest.raises(UnavailableError):
        await identification.images.add(person_id, upload)
    assert time.monotonic() - started < 60  # fails, does not hang
    assert (await identification.images.list(person_id, PageRequest())).items == ()  # no half state visible
    # The undo could not reach the dead server either: the row stays `pending` (invisible) for the reconciler.
    assert [row["state"] for row in await _rows(stores, "images")] == ["pending"]


async def _an_add_to_interrupt(
    stores: StoresUnderTest, face_engine: FaceEngine, faces_dir: Path
) -> tuple[Identification, Clock, Person, Upload, HookedObjectStore]:
    """A person, a photo to add to it, and the hooks on the object store that break a store during the add."""
    clock = Clock()
    identification = _identification(stores, face_engine, clock)
    await identification.migrate()
    person = await identification.persons.create(PersonFields("Katy"))
    hooked = identification.context.objects
    assert isinstance(hooked, HookedObjectStore)
    return identification, clock, person, Upload(content=photo(faces_dir, KATY[0])), hooked


async def test_milvus_killed_during_an_add(
    server_stores: StoresUnderTest,
    milvus_server: MilvusStandaloneServer,
    face_engine: FaceEngine,
    faces_dir: Path,
) -> None:
    identification, clock, person, upload, hooked = await _an_add_to_interrupt(
        server_stores, face_engine, faces_dir
    )
    hooked.after_put = milvus_server.kill  # the photo is stored, then the vector index dies
    try:
        await _add_fails_cleanly(identification, server_stores, person.id, upload)
    finally:
        hooked.after_put = None
        milvus_server.start()
    await _assert_clean_after_reconcile(identification, server_stores, clock)
    await identification.images.add(person.id, upload)  # and the service works again
    found = await identification.search(SearchQuery(Upload(content=photo(faces_dir, KATY[1]))))
    assert [m.person.id for m in found.faces[0].persons] == [person.id]


async def test_s3_killed_during_an_add(
    server_stores: StoresUnderTest, s3_server: MotoS3Server, face_engine: FaceEngine, faces_dir: Path
) -> None:
    identification, clock, person, upload, hooked = await _an_add_to_interrupt(
        server_stores, face_engine, faces_dir
    )
    hooked.before_put = s3_server.kill  # the row is `pending`, then the object store dies
    try:
        await _add_fails_cleanly(identification, server_stores, person.id, upload)
    finally:
        hooked.before_put = None
        s3_server.start()
    await _assert_clean_after_reconcile(identification, server_stores, clock)
    await identification.images.add(person.id, upload)
    assert len((await identification.images.list(person.id, PageRequest())).items) == 1


async def test_a_write_stops_at_the_callers_deadline_when_s3_hangs(
    server_stores: StoresUnderTest, s3_server: MotoS3Server, face_engine: FaceEngine, faces_dir: Path
) -> None:
    """The caller's deadline (here 1 s; the gateway's call timeout in the platform) bounds the write, not the
    15 s store timeout: the add ends as DeadlineExceeded (504), with nothing half-written visible."""
    identification, clock, person, upload, hooked = await _an_add_to_interrupt(
        server_stores, face_engine, faces_dir
    )
    hooked.before_put = s3_server.pause  # the row is `pending`, then the object store stops answering
    try:
        with call_deadline(1.0), pytest.raises(DeadlineExceededError, match="deadline"):
            await identification.images.add(person.id, upload)
        assert (await identification.images.list(person.id, PageRequest())).items == ()
    finally:
        hooked.before_put = None
        s3_server.resume()
    await _assert_clean_after_reconcile(identification, server_stores, clock)


async def test_twenty_concurrent_clients_lose_nothing(
    stores: StoresUnderTest, face_engine: FaceEngine, faces_dir: Path
) -> None:
    identification = _identification(stores, face_engine, Clock())
    await identification.migrate()
    first = await identification.groups.create(GroupFields("first"))
    second = await identification.groups.create(GroupFields("second"))
    person = await identification.persons.create(PersonFields("Katy", groups=[first.id]))
    data = photo(faces_dir, KATY[0])

    async def join_second_group_midway() -> None:
        await asyncio.sleep(0.2)
        await identification.groups.update_persons(second.id, add=[person.id], remove=[])

    added, _ = await asyncio.gather(
        asyncio.gather(*(identification.images.add(person.id, Upload(content=data)) for _ in range(20))),
        join_second_group_midway(),
    )
    ids = {image.id for image in added}
    assert len(ids) == 20
    assert {row["id"] for row in await _rows(stores, "images") if row["state"] == "ready"} == ids
    assert await _objects(stores) == {image.path for image in added}
    assert await _vectors(stores) == ids
    for group in (first, second):  # every vector carries both groups, whenever it was written
        outcome = await identification.search(
            SearchQuery(Upload(content=photo(faces_dir, KATY[1])), group_ids=[group.id])
        )
        (match,) = outcome.faces[0].persons
        assert {scored.image.id for scored in match.images} == ids
