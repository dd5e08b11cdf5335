"""The soak's audit (bench/soak.py `read_stores`, bench/soak_report.py `audit`) on the real PostgreSQL, S3 and
Milvus server: it reads what identification wrote from each store directly, passes complete writes, and names
what a crash leaves behind (an object or a vector without a row, a row stuck `pending`).

The soak itself (`make soak`) needs minutes of load and restarts on two cores, so it is not run here.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from bench.soak import read_stores
from bench.soak_report import audit
from libs.faces import FaceEngine
from libs.identification import PersonFields, Upload
from libs.stores.ports import VectorRecord
from tests.fixtures_stores import StoresUnderTest
from tests.identification_support import KATY, build, photo

pytestmark = pytest.mark.integration


async def test_the_audit_passes_complete_writes_and_names_leftovers(
    server_stores: StoresUnderTest, face_engine: FaceEngine, faces_dir: Path
) -> None:
    identification = build(server_stores.database, server_stores.objects, server_stores.vectors, face_engine)
    await identification.migrate()
    katy = await identification.persons.create(PersonFields("Katy"))
    image = await identification.images.add(katy.id, Upload(content=photo(faces_dir, KATY[0])))

    clean = audit([katy.id], [(katy.id, image.id)], await read_stores(server_stores.settings))
    assert clean.clean and clean.images_audited == 1

    # What a crash between steps leaves: a photo and a vector of an add whose row is gone, and a row of an
    # add that never finished.
    lost_image = str(uuid.uuid4())
    await server_stores.objects.put(f"tenants/default/persons/{katy.id}/{lost_image}", b"jpeg", "image/jpeg")
    vector = np.ones(128, dtype=np.float32) / np.sqrt(128)
    await server_stores.vectors.upsert([VectorRecord(lost_image, katy.id, vector, ())])
    await server_stores.database.execute(
        "UPDATE images SET state = 'pending' WHERE id = $1", image.id
    )  # as if the add had died before `ready`

    findings = audit([katy.id], [(katy.id, image.id)], await read_stores(server_stores.settings))
    assert sorted(findings.orphans) == [
        f"object tenants/default/persons/{katy.id}/{lost_image}",
        f"vector {lost_image}",
    ]
    assert findings.unfinished_rows == [f"image {image.id}: pending"]
    assert len(findings.lost) == 1 and image.id in findings.lost[0]  # acknowledged, yet not `ready`
