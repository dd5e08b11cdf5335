"""Fixtures of the identification tests; a module takes them by assigning them to module names:

    clock = identification_fixtures.clock
    identification = identification_fixtures.identification
    photo_server = identification_fixtures.photo_server

`identification` is the domain over the embedded stores of tests/fixtures_stores.py (SQLite, a folder,
Milvus Lite; empty at the start), wrapped so a test can make the object store or the vector index fail,
with the real face engine as its descriptor source and `clock` as its clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from libs.faces import FaceEngine
from libs.identification import Identification
from tests.fixtures_stores import StoresUnderTest
from tests.identification_support import Clock, FailingObjectStore, FailingVectorIndex, PhotoServer, build


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def photo_server() -> PhotoServer:
    return PhotoServer()


@pytest.fixture
async def identification(
    embedded_stores: StoresUnderTest, face_engine: FaceEngine, clock: Clock, photo_server: PhotoServer
) -> AsyncIterator[Identification]:
    objects, vectors = (
        FailingObjectStore(embedded_stores.objects),
        FailingVectorIndex(embedded_stores.vectors),
    )
    built = build(embedded_stores.database, objects, vectors, face_engine, clock, photo_server)
    await built.migrate()
    yield built
