"""Describing a stored gallery again after a descriptor model switch (libs/identification/redescribe.py), on
the embedded stores with the real models: images of the old model are not found until re-described, then
are; photos that came by imageUrl cannot be; a pass cut short by a store outage is finished by the next."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from libs.errors import UnavailableError
from libs.identification import Identification, PersonFields, SearchQuery, Upload
from libs.identification.redescribe import Redescriber
from libs.stores.ports import VectorRecord
from tests import identification_fixtures
from tests.identification_support import KATY, MODEL, OBAMA, PhotoServer, failing, photo

pytestmark = pytest.mark.unit

clock = identification_fixtures.clock
identification = identification_fixtures.identification
photo_server = identification_fixtures.photo_server

OLD_MODEL = "an-older-model"


async def _as_if_described_by_an_older_model(identification: Identification) -> None:
    """Every image's row names another model and its vector is that model's (here: random) descriptor."""
    ctx = identification.context
    rows = await ctx.database.fetch(
        "SELECT i.id, i.person_id, p.tenant FROM images i JOIN persons p ON p.id = i.person_id"
    )
    noise = np.random.default_rng(3).standard_normal((len(rows), 128)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    records = [
        VectorRecord(r["id"], r["person_id"], v, (), r["tenant"]) for r, v in zip(rows, noise, strict=True)
    ]
    await ctx.vectors.upsert(records)
    await ctx.database.execute("UPDATE images SET model = $1", OLD_MODEL)


async def _found(identification: Identification, faces_dir: Path, relative: str) -> list[str]:
    outcome = await identification.search(SearchQuery(Upload(content=photo(faces_dir, relative))))
    return [match.person.name for match in outcome.faces[0].persons]


async def test_a_switched_gallery_is_found_again_once_described_again(
    identification: Identification, faces_dir: Path, photo_server: PhotoServer
) -> None:
    katy = await identification.persons.create(PersonFields("Katy"))
    await identification.images.add(katy.id, Upload(content=photo(faces_dir, KATY[0])))
    obama = await identification.persons.create(PersonFields("Obama"))
    photo_server.photos["https://photos.example/obama.jpg"] = photo(faces_dir, OBAMA[0])
    await identification.images.add(obama.id, Upload(image_url="https://photos.example/obama.jpg"))
    await _as_if_described_by_an_older_model(identification)
    assert await _found(identification, faces_dir, KATY[1]) == []  # old descriptors are not compared

    objects = identification.context.objects
    # The object store is down: the pass learns nothing and changes nothing; the next one does the work.
    with failing(objects, "get"), pytest.raises(UnavailableError, match="object store"):
        await Redescriber(identification.context).run()
    assert await _found(identification, faces_dir, KATY[1]) == []

    report = await Redescriber(identification.context).run()
    assert (report.model, report.redescribed, report.not_kept, report.failed) == (MODEL, 1, 1, 0)
    assert report.left == 1  # Obama's photo came by URL and was not kept: nothing to describe it from
    assert await _found(identification, faces_dir, KATY[1]) == ["Katy"]
    assert await _found(identification, faces_dir, OBAMA[1]) == []

    again = await Redescriber(identification.context).run()
    assert (again.redescribed, again.not_kept) == (0, 1)  # resumable and idempotent: only what is left
