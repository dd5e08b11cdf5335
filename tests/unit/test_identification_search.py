"""1:N search and match-and-search in the domain, with the real face engine over real embedded stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from libs.errors import FaceNotDetectedError, InvalidRequestError, NotFoundError, TooFewImagesError
from libs.faces.compare import SAME_PERSON_DISTANCE
from libs.identification import (
    GroupFields,
    Identification,
    MatchAndSearchImage,
    MatchAndSearchQuery,
    NewPerson,
    PageRequest,
    Person,
    PersonFields,
    SearchFilterSpec,
    SearchQuery,
    Upload,
)
from libs.identification.gallery import GallerySizes
from libs.identification.threshold import search_distance
from tests import identification_fixtures
from tests.identification_support import KATY, KATY_MORE, NO_FACE, OBAMA, OTHER, TWO_FACES, photo

pytestmark = pytest.mark.unit

# The shared fixtures, by name.
clock = identification_fixtures.clock
identification = identification_fixtures.identification
photo_server = identification_fixtures.photo_server


async def _enrol(
    identification: Identification, faces_dir: Path, name: str, relative: str, **fields: object
) -> Person:
    person = await identification.persons.create(PersonFields(name, **fields))  # type: ignore[arg-type]
    await identification.images.add(person.id, Upload(content=photo(faces_dir, relative)))
    return person


def _probe(faces_dir: Path, relative: str, **query: object) -> SearchQuery:
    return SearchQuery(Upload(content=photo(faces_dir, relative)), **query)  # type: ignore[arg-type]


async def test_search_finds_the_person_and_ranks_by_distance(
    identification: Identification, faces_dir: Path
) -> None:
    katy = await _enrol(identification, faces_dir, "Katy", KATY[0])
    await _enrol(identification, faces_dir, "Obama", OBAMA[0])
    outcome = await identification.search(_probe(faces_dir, KATY[1], threshold=2.0))
    (face,) = outcome.faces
    assert [m.person.name for m in face.persons] == ["Katy", "Obama"]  # threshold 2 keeps everyone
    best = face.persons[0]
    assert best.person.id == katy.id and best.distance < SAME_PERSON_DISTANCE < face.persons[1].distance
    assert 0.5 < best.images[0].similarity <= 1.0 and best.images[0].content is None
    assert outcome.created is None and len(outcome.image_hash) == 64 and outcome.model

    default = await identification.search(_probe(faces_dir, KATY[1]))
    assert [m.person.name for m in default.faces[0].persons] == ["Katy"]
    strict = await identification.search(_probe(faces_dir, KATY[1], threshold=best.distance * 0.9))
    assert strict.faces[0].persons == ()


async def test_persons_group_their_matching_images(identification: Identification, faces_dir: Path) -> None:
    katy = await _enrol(identification, faces_dir, "Katy", KATY[0])
    await identification.images.add(katy.id, Upload(content=photo(faces_dir, KATY[1])))
    outcome = await identification.search(_probe(faces_dir, KATY_MORE, with_images=True))
    (match,) = outcome.faces[0].persons
    assert len(match.images) == 2
    assert match.images[0].distance <= match.images[1].distance
    assert all(image.content for image in match.images)  # withImages


async def test_limit_caps_the_persons(identification: Identification, faces_dir: Path) -> None:
    for name, relative in (("a", KATY[0]), ("b", KATY[1]), ("c", OBAMA[0])):
        await _enrol(identification, faces_dir, name, relative)
    outcome = await identification.search(_probe(faces_dir, KATY_MORE, threshold=2.0, limit=2))
    assert [m.person.name for m in outcome.faces[0].persons] in (["a", "b"], ["b", "a"])
    with pytest.raises(InvalidRequestError):
        await identification.search(_probe(faces_dir, KATY_MORE, limit=0))
    with pytest.raises(InvalidRequestError):
        await identification.search(_probe(faces_dir, KATY_MORE, threshold=-1.0))


async def test_name_filter_in_and_nin(identification: Identification, faces_dir: Path) -> None:
    await _enrol(identification, faces_dir, "Katy", KATY[0])
    await _enrol(identification, faces_dir, "Katheryn", KATY[1])
    await _enrol(identification, faces_dir, "Obama", OBAMA[0])

    async def names(op: str, values: list[str], field: str = "name") -> list[str]:
        spec = SearchFilterSpec(op, field, values)
        outcome = await identification.search(_probe(faces_dir, KATY_MORE, threshold=2.0, filter=spec))
        return sorted(m.person.name for m in outcome.faces[0].persons)

    assert await names("in", ["Katy", "Obama"]) == ["Katy", "Obama"]
    assert await names("nin", ["Katy", "Obama"]) == ["Katheryn"]
    assert await names("in", []) == []
    assert await names("in", ["Katy"], field="externalId") == [
        "Katheryn",
        "Katy",
        "Obama",
    ]  # other fields ignored
    with pytest.raises(InvalidRequestError):
        await names("like", ["K%"])


async def test_group_ids_restrict_the_search(identification: Identification, faces_dir: Path) -> None:
    inside = await identification.groups.create(GroupFields("inside"))
    outside = await identification.groups.create(GroupFields("outside"))
    katy = await _enrol(identification, faces_dir, "Katy", KATY[0], groups=[outside.id])
    probe = _probe(faces_dir, KATY[1], group_ids=[inside.id])
    assert (await identification.search(probe)).faces[0].persons == ()
    await identification.groups.update_persons(inside.id, add=[katy.id], remove=[])
    assert [m.person.id for m in (await identification.search(probe)).faces[0].persons] == [katy.id]
    await identification.groups.delete(inside.id)
    with pytest.raises(NotFoundError):
        await identification.search(probe)
    # The group is looked up while the photo is described: an unknown group still answers first.
    with pytest.raises(NotFoundError):
        await identification.search(_probe(faces_dir, NO_FACE, group_ids=[inside.id]))
    everyone = await identification.search(_probe(faces_dir, KATY[1]))
    assert [m.person.id for m in everyone.faces[0].persons] == [katy.id]


async def test_create_person_when_nobody_matches(identification: Identification, faces_dir: Path) -> None:
    group = await identification.groups.create(GroupFields("walk-ins"))
    await _enrol(identification, faces_dir, "Obama", OBAMA[0], groups=[group.id])
    query = _probe(
        faces_dir,
        KATY[0],
        group_ids=[group.id],
        with_images=True,
        create_person=NewPerson("visitor", {"k": 1}, ttl=600),
    )
    outcome = await identification.search(query)
    assert outcome.created is not None
    created = outcome.created
    assert (created.person.name, dict(created.person.metadata), created.person.groups) == (
        "visitor",
        {"k": 1},
        (group.id,),
    )
    assert created.person.expire_at is not None and created.images[0].content == photo(faces_dir, KATY[0])
    again = await identification.search(query)  # the new person is found the next time: no second creation
    assert again.created is None
    assert [m.person.id for m in again.faces[0].persons] == [created.person.id]
    members = await identification.groups.persons(group.id, PageRequest())
    assert len(members.items) == 2


async def test_probe_without_a_face_is_refused(identification: Identification, faces_dir: Path) -> None:
    with pytest.raises(FaceNotDetectedError):
        await identification.search(_probe(faces_dir, NO_FACE, create_person=NewPerson("ghost")))
    assert (await identification.groups.list(PageRequest())).items == ()


async def test_detect_all_searches_every_face(identification: Identification, faces_dir: Path) -> None:
    obama = await _enrol(identification, faces_dir, "Obama", OBAMA[0])
    central = await identification.search(_probe(faces_dir, TWO_FACES))
    every = await identification.search(_probe(faces_dir, TWO_FACES, detect_all=True))
    assert len(central.faces) == 1 and len(every.faces) == 2
    assert [face.face.face_index for face in every.faces] == [0, 1]
    found = [m.person.id for face in every.faces for m in face.persons]
    assert found == [obama.id]  # Obama is one of the two faces; Biden is not enrolled


async def test_match_and_search_compares_and_searches_each_face(
    identification: Identification, faces_dir: Path
) -> None:
    katy = await _enrol(identification, faces_dir, "Katy", KATY[0])
    images = [
        MatchAndSearchImage(content=photo(faces_dir, KATY[1])),
        MatchAndSearchImage(content=photo(faces_dir, KATY_MORE), type=1),
        MatchAndSearchImage(content=photo(faces_dir, OTHER)),
        MatchAndSearchImage(content=photo(faces_dir, NO_FACE)),
    ]
    outcome = await identification.match_and_search(MatchAndSearchQuery(images))
    assert [d.image_index for d in outcome.detections] == [0, 1, 2, 3]
    assert [int(d.status) for d in outcome.detections] == [0, 0, 0, 2]
    assert [m.person.id for m in outcome.detections[0].faces[0].persons] == [katy.id]
    assert [m.person.id for m in outcome.detections[1].faces[0].persons] == [katy.id]
    assert outcome.detections[2].faces[0].persons == ()
    pairs = {(r.first_index, r.second_index): r for r in outcome.results}
    assert set(pairs) == {(0, 1), (0, 2), (1, 2)}  # the faceless photo takes part in no comparison
    assert pairs[(0, 1)].distance < SAME_PERSON_DISTANCE < pairs[(0, 2)].distance
    assert (pairs[(0, 1)].first_type, pairs[(0, 1)].second_type) == (3, 1)
    with pytest.raises(TooFewImagesError):
        await identification.match_and_search(MatchAndSearchQuery(images[:1]))


async def test_the_default_threshold_tightens_as_the_gallery_grows(
    identification: Identification, faces_dir: Path
) -> None:
    """No `threshold` in the request: the 1:1 threshold for a small gallery, stricter past 47 images, for
    at most 3 % false hits by people who are not enrolled (libs/identification/threshold.py)."""
    context = identification.context
    context.gallery_sizes = GallerySizes(cache_seconds=0)  # count at every search
    assert await context.search_threshold(()) == pytest.approx(SAME_PERSON_DISTANCE, abs=1e-4)
    group = await identification.groups.create(GroupFields("front desk"))
    katy = await _enrol(identification, faces_dir, "Katy", KATY[0], groups=[group.id])
    crowd = await identification.persons.create(PersonFields("crowd"))
    content = photo(faces_dir, OBAMA[0])
    for _ in range(60):
        await identification.images.add(crowd.id, Upload(content=content))

    whole = await context.search_threshold(())
    assert whole == pytest.approx(search_distance(61)) and whole < SAME_PERSON_DISTANCE - 0.005
    # A search of the group compares with its one image: the 1:1 threshold still.
    assert await context.search_threshold([group.id]) == pytest.approx(SAME_PERSON_DISTANCE, abs=1e-4)
    found = await identification.search(_probe(faces_dir, KATY[1], group_ids=(group.id,)))
    assert [match.person.id for match in found.faces[0].persons] == [katy.id]
    # An explicit threshold wins over the default, in either direction.
    everyone = await identification.search(_probe(faces_dir, KATY[1], threshold=2.0, limit=5))
    assert {match.person.id for match in everyone.faces[0].persons} == {katy.id, crowd.id}
