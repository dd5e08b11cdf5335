"""Persons and groups in the domain, over real embedded stores: paging, order, expiry, ids, memberships."""

from __future__ import annotations

from pathlib import Path

import pytest

from libs.errors import InvalidRequestError, NotFoundError
from libs.identification import (
    GroupFields,
    Identification,
    PageRequest,
    PersonChanges,
    PersonFields,
    SearchQuery,
    Upload,
)
from tests import identification_fixtures
from tests.identification_support import KATY, Clock, contents, photo

pytestmark = pytest.mark.unit

# The shared fixtures, by name.
clock = identification_fixtures.clock
identification = identification_fixtures.identification
photo_server = identification_fixtures.photo_server


async def test_person_round_trip_keeps_every_field(identification: Identification) -> None:
    group = await identification.groups.create(GroupFields("staff", {"floor": 3}))
    created = await identification.persons.create(
        PersonFields("Ann", external_id="E-1", metadata={"a": [1, "x"]}, groups=[group.id])
    )
    read = await identification.persons.get(created.id)
    assert read == created
    assert (read.name, read.external_id, dict(read.metadata), read.groups) == (
        "Ann",
        "E-1",
        {"a": [1, "x"]},
        (group.id,),
    )
    assert read.updated_at is None and read.expire_at is None


async def test_person_without_groups_belongs_to_no_group(identification: Identification) -> None:
    person = await identification.persons.create(PersonFields("Solo"))
    assert person.groups == ()
    assert (await identification.persons.groups(person.id, PageRequest())).items == ()
    assert (await identification.groups.list(PageRequest())).items == ()  # no "Default group" appears


async def test_group_lists_are_newest_first_and_paged(identification: Identification, clock: Clock) -> None:
    names = []
    for n in range(5):
        names.append(f"g{n}")
        await identification.groups.create(GroupFields(f"g{n}"))
        clock.advance(1)
    first = await identification.groups.list(PageRequest(page=1, size=2))
    second = await identification.groups.list(PageRequest(page=2, size=2))
    last = await identification.groups.list(PageRequest(page=3, size=2))
    beyond = await identification.groups.list(PageRequest(page=9, size=2))
    assert [g.name for g in first.items + second.items + last.items] == names[::-1]
    assert (first.page, first.total_pages, len(last.items)) == (1, 3, 1)
    assert beyond.items == () and beyond.total_pages == 3
    everything = await identification.groups.list(PageRequest())  # size defaults to 1000
    assert len(everything.items) == 5 and everything.total_pages == 1


async def test_group_persons_are_paged_newest_first(identification: Identification, clock: Clock) -> None:
    group = await identification.groups.create(GroupFields("club"))
    ids = []
    for n in range(3):
        ids.append((await identification.persons.create(PersonFields(f"p{n}", groups=[group.id]))).id)
        clock.advance(0.01)
    page = await identification.groups.persons(group.id, PageRequest(size=2))
    assert [p.id for p in page.items] == ids[::-1][:2] and page.total_pages == 2


@pytest.mark.parametrize("paging", [PageRequest(page=0), PageRequest(size=0), PageRequest(size=10_001)])
async def test_bad_paging_is_refused(identification: Identification, paging: PageRequest) -> None:
    with pytest.raises(InvalidRequestError):
        await identification.groups.list(paging)


async def test_unknown_and_malformed_ids(identification: Identification) -> None:
    unknown = "0b6f6f0e-4c1b-4b7e-9a55-2f6f6f0e4c1b"
    with pytest.raises(NotFoundError):
        await identification.persons.get(unknown)
    with pytest.raises(NotFoundError):
        await identification.groups.get(unknown)
    with pytest.raises(NotFoundError):
        await identification.persons.create(PersonFields("x", groups=[unknown]))
    with pytest.raises(InvalidRequestError) as caught:
        await identification.persons.get("not-a-uuid")
    assert caught.value.http_status == 400
    with pytest.raises(InvalidRequestError):
        await identification.persons.create(PersonFields(""))


async def test_update_changes_only_the_given_fields(identification: Identification) -> None:
    first = await identification.groups.create(GroupFields("first"))
    second = await identification.groups.create(GroupFields("second"))
    person = await identification.persons.create(
        PersonFields("Bo", external_id="x", metadata={"k": 1}, groups=[first.id])
    )
    await identification.persons.update(person.id, PersonChanges(name="Bob"))
    read = await identification.persons.get(person.id)
    assert (read.name, read.external_id, dict(read.metadata), read.groups) == (
        "Bob",
        "x",
        {"k": 1},
        (first.id,),
    )
    assert read.updated_at is not None
    await identification.persons.update(person.id, PersonChanges(metadata={}, groups=[second.id]))
    read = await identification.persons.get(person.id)
    assert dict(read.metadata) == {} and read.groups == (second.id,)
    assert (await identification.groups.persons(first.id, PageRequest())).items == ()


async def test_group_membership_updates(identification: Identification) -> None:
    group = await identification.groups.create(GroupFields("team"))
    a = await identification.persons.create(PersonFields("a"))
    b = await identification.persons.create(PersonFields("b"))
    await identification.groups.update_persons(group.id, add=[a.id, b.id], remove=[])
    await identification.groups.update_persons(group.id, add=[a.id], remove=[b.id])  # re-adding is a no-op
    members = await identification.groups.persons(group.id, PageRequest())
    assert [p.id for p in members.items] == [a.id]
    assert [g.id for g in (await identification.persons.groups(a.id, PageRequest())).items] == [group.id]
    with pytest.raises(NotFoundError):
        await identification.groups.update_persons(
            group.id, add=["0b6f6f0e-4c1b-4b7e-9a55-2f6f6f0e4c1b"], remove=[]
        )


async def test_deleting_a_group_keeps_its_persons(identification: Identification) -> None:
    group = await identification.groups.create(GroupFields("gone"))
    person = await identification.persons.create(PersonFields("stays", groups=[group.id]))
    await identification.groups.update(group.id, GroupFields("renamed", {"v": 2}))
    assert (await identification.groups.get(group.id)).name == "renamed"
    await identification.groups.delete(group.id)
    with pytest.raises(NotFoundError):
        await identification.groups.get(group.id)
    assert (await identification.persons.get(person.id)).groups == ()


async def test_expired_person_vanishes_at_once_and_is_purged(
    identification: Identification, clock: Clock, faces_dir: Path
) -> None:
    group = await identification.groups.create(GroupFields("visitors"))
    person = await identification.persons.create(PersonFields("Katy", groups=[group.id], ttl=60))
    await identification.images.add(person.id, Upload(content=photo(faces_dir, KATY[0])))
    probe = SearchQuery(Upload(content=photo(faces_dir, KATY[1])))
    assert [m.person.id for m in (await identification.search(probe)).faces[0].persons] == [person.id]

    clock.advance(61)
    with pytest.raises(NotFoundError):
        await identification.persons.get(person.id)
    assert (await identification.groups.persons(group.id, PageRequest())).items == ()
    assert (await identification.search(probe)).faces[0].persons == ()
    assert (await contents(identification)).images == 1  # invisible, not yet purged

    assert await identification.reconciler.purge_expired() == 1
    stored = await contents(identification)
    assert (stored.persons, stored.images, stored.memberships, stored.objects, stored.vectors) == (
        0,
        0,
        0,
        (),
        (),
    )
    assert stored.groups == 1


async def test_expiry_dates(identification: Identification, clock: Clock) -> None:
    with pytest.raises(InvalidRequestError):
        await identification.persons.create(PersonFields("late", expire_at="2001-01-01T00:00:00Z"))
    with pytest.raises(InvalidRequestError):
        await identification.persons.create(PersonFields("bad", expire_at="next tuesday"))
    with pytest.raises(InvalidRequestError):
        await identification.persons.create(PersonFields("neg", ttl=0))
    person = await identification.persons.create(
        PersonFields("dated", expire_at="2999-01-01T00:00:00", ttl=5)
    )
    assert person.expire_at == 32472144000000  # expireAt wins over ttl; no zone = UTC
