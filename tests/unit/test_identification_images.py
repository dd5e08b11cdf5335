"""Person images in the domain: what is kept, served, resized, refused, listed and deleted."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from libs.errors import (
    FaceNotDetectedError,
    FaceSDKResultCode,
    ImageError,
    InvalidRequestError,
    NotFoundError,
)
from libs.identification import (
    Identification,
    PageRequest,
    PersonFields,
    ResizeOptions,
    SearchQuery,
    Upload,
)
from tests import identification_fixtures
from tests.identification_support import KATY, NO_FACE, OBAMA, Clock, PhotoServer, contents, photo

pytestmark = pytest.mark.unit

# The shared fixtures, by name.
clock = identification_fixtures.clock
identification = identification_fixtures.identification
photo_server = identification_fixtures.photo_server


async def test_added_photo_is_kept_and_served_back(identification: Identification, faces_dir: Path) -> None:
    person = await identification.persons.create(PersonFields("Katy"))
    original = photo(faces_dir, KATY[0])
    image = await identification.images.add(person.id, Upload(content=original, content_type="image/png"))
    assert image.content_type == "image/jpeg"  # what the bytes are, not what the client claimed
    assert image.url == f"/api/persons/{person.id}/images/{image.id}" and image.path
    assert await identification.images.photo(person.id, image.id) == (original, "image/jpeg")
    stored = await contents(identification)
    assert (stored.images, stored.objects, stored.vectors) == (1, (image.path,), (image.id,))


async def test_photo_from_url_is_described_but_not_kept(
    identification: Identification, photo_server: PhotoServer, faces_dir: Path
) -> None:
    photo_server.photos["https://photos.example/katy.jpg"] = photo(faces_dir, KATY[0])
    person = await identification.persons.create(PersonFields("Katy"))
    image = await identification.images.add(person.id, Upload(image_url="https://photos.example/katy.jpg"))
    assert image.path == "" and image.content_type == "image/jpeg"
    with pytest.raises(NotFoundError, match="imageUrl"):
        await identification.images.photo(person.id, image.id)
    found = await identification.search(SearchQuery(Upload(content=photo(faces_dir, KATY[1]))))
    assert [m.person.id for m in found.faces[0].persons] == [person.id]
    assert (await contents(identification)).objects == ()


async def test_photo_without_a_face_is_refused_and_nothing_is_stored(
    identification: Identification, faces_dir: Path
) -> None:
    person = await identification.persons.create(PersonFields("nobody"))
    with pytest.raises(FaceNotDetectedError) as caught:
        await identification.images.add(person.id, Upload(content=photo(faces_dir, NO_FACE)))
    assert caught.value.http_status == 400
    assert caught.value.result_code == FaceSDKResultCode.FR_FACE_NOT_DETECTED
    with pytest.raises(ImageError):
        await identification.images.add(person.id, Upload(content=b"not an image at all"))
    stored = await contents(identification)
    assert (stored.images, stored.objects, stored.vectors) == (0, (), ())


async def test_upload_needs_exactly_one_source(identification: Identification, faces_dir: Path) -> None:
    person = await identification.persons.create(PersonFields("x"))
    with pytest.raises(InvalidRequestError):
        await identification.images.add(person.id, Upload())
    with pytest.raises(InvalidRequestError):
        await identification.images.add(
            person.id, Upload(content=photo(faces_dir, KATY[0]), image_url="https://a.b/c")
        )


async def test_resize_options_downscale_keeping_the_aspect_ratio(
    identification: Identification, faces_dir: Path
) -> None:
    person = await identification.persons.create(PersonFields("Obama"))
    original = photo(faces_dir, OBAMA[0])
    height, width = cv2.imdecode(np.frombuffer(original, np.uint8), cv2.IMREAD_COLOR).shape[:2]
    image = await identification.images.add(
        person.id, Upload(content=original, resize=ResizeOptions(width=width // 4, quality=80))
    )
    data, content_type = await identification.images.photo(person.id, image.id)
    stored = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert content_type == "image/jpeg" and stored.shape[1] == width // 4
    assert abs(stored.shape[0] - height / 4) <= 1
    # Never upscaled: a box larger than the photo keeps its size.
    image = await identification.images.add(
        person.id, Upload(content=original, resize=ResizeOptions(width=width * 3))
    )
    data, _ = await identification.images.photo(person.id, image.id)
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape[:2] == (height, width)
    with pytest.raises(InvalidRequestError):
        await identification.images.add(person.id, Upload(content=original, resize=ResizeOptions(quality=0)))


async def test_images_are_listed_newest_first_and_deleted_everywhere(
    identification: Identification, clock: Clock, faces_dir: Path
) -> None:
    person = await identification.persons.create(PersonFields("Katy"))
    added = []
    for relative in KATY:
        added.append(await identification.images.add(person.id, Upload(content=photo(faces_dir, relative))))
        clock.advance(1)
    page = await identification.images.list(person.id, PageRequest(size=1))
    assert [i.id for i in page.items] == [added[-1].id] and page.total_pages == 2

    await identification.images.delete(person.id, added[0].id)
    with pytest.raises(NotFoundError):
        await identification.images.photo(person.id, added[0].id)
    with pytest.raises(NotFoundError):
        await identification.images.delete(person.id, added[0].id)
    stored = await contents(identification)
    assert (stored.images, stored.objects, stored.vectors) == (1, (added[1].path,), (added[1].id,))

    await identification.persons.delete(person.id)
    stored = await contents(identification)
    assert (stored.persons, stored.images, stored.objects, stored.vectors) == (0, 0, (), ())
    with pytest.raises(NotFoundError):
        await identification.images.list(person.id, PageRequest())


async def test_image_of_another_person_is_not_found(identification: Identification, faces_dir: Path) -> None:
    owner = await identification.persons.create(PersonFields("owner"))
    other = await identification.persons.create(PersonFields("other"))
    image = await identification.images.add(owner.id, Upload(content=photo(faces_dir, KATY[0])))
    with pytest.raises(NotFoundError):
        await identification.images.photo(other.id, image.id)
    with pytest.raises(NotFoundError):
        await identification.images.delete(other.id, image.id)
    with pytest.raises(InvalidRequestError):
        await identification.images.photo(owner.id, "12")
