"""The `VectorIndex` port behaves the same on a Milvus server and on Milvus Lite, checked by exact search."""

from __future__ import annotations

import dataclasses
import uuid

import numpy as np
import pytest
from pymilvus import DataType, MilvusClient

from libs.errors import InvalidRequestError, UnavailableError
from libs.stores.factory import open_vectors
from libs.stores.milvus_collection import MAX_TOPK
from libs.stores.milvus_location import MilvusLocation
from libs.stores.ports import VectorRecord
from libs.stores.vector_fence import ANY_TENANT, DatabaseFence
from tests.fixtures_stores import StoresUnderTest

pytestmark = pytest.mark.integration

COUNT = 240


def unit_vectors(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, 128)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def gallery(count: int = COUNT, seed: int = 1) -> tuple[list[VectorRecord], np.ndarray]:
    """Images i0..i{count-1}; person p{i % 8}; group g{i % 3}, none for every fourth image."""
    vectors = unit_vectors(count, seed)
    records = [
        VectorRecord(f"i{index}", f"p{index % 8}", vectors[index], (f"g{index % 3}",) if index % 4 else ())
        for index in range(count)
    ]
    return records, vectors


def exact_top(vectors: np.ndarray, query: np.ndarray, allowed: list[int], limit: int) -> list[int]:
    cosines = vectors @ query
    return sorted(allowed, key=lambda index: -cosines[index])[:limit]


async def test_search_matches_exact_cosine_order(stores: StoresUnderTest) -> None:
    records, vectors = gallery()
    await stores.vectors.upsert(records)
    for probe in (3, 77, 150):
        # A probe near (not equal to) a stored vector: the nearest must be that vector, then the exact order.
        query = vectors[probe] + 0.3 * unit_vectors(1, probe)[0]
        query /= np.linalg.norm(query)
        hits = await stores.vectors.search(query, 10)
        expected = exact_top(vectors, query, list(range(COUNT)), 10)
        assert [hit.image_id for hit in hits] == [f"i{index}" for index in expected]
        assert hits[0].image_id == f"i{probe}"
        for hit in hits:
            index = int(hit.image_id[1:])
            assert hit.person_id == f"p{index % 8}"
            assert hit.cosine == pytest.approx(float(vectors[index] @ query), abs=1e-5)
    assert (await stores.vectors.search(vectors[5], 1))[0].cosine == pytest.approx(1.0, abs=1e-5)


async def test_group_filter_keeps_vectors_in_any_of_the_groups(stores: StoresUnderTest) -> None:
    records, vectors = gallery()
    await stores.vectors.upsert(records)
    query = vectors[10]
    for groups in (["g1"], ["g0", "g2"], ["g1", "nobody"]):
        allowed = [i for i in range(COUNT) if i % 4 and f"g{i % 3}" in groups]
        hits = await stores.vectors.search(query, 15, groups)
        assert [hit.image_id for hit in hits] == [f"i{i}" for i in exact_top(vectors, query, allowed, 15)]
    assert await stores.vectors.search(query, 15, ["nobody"]) == []
    assert await stores.vectors.search(query, 15, []) == []  # no group asked: nothing can match
    assert len(await stores.vectors.search(query, 15, None)) == 15


async def test_group_names_match_exactly(stores: StoresUnderTest) -> None:
    # Milvus Lite filters groups with LIKE on "|g1|g2|": a group must not match by prefix, by wildcard or by
    # its separator.
    vectors = unit_vectors(6, 3)
    names = ["g1", "g10", "a_b", "axb", "50%", "x|y"]
    await stores.vectors.upsert(
        [VectorRecord(f"i{i}", "p", vectors[i], (name,)) for i, name in enumerate(names)]
    )
    for i, name in enumerate(names):
        hits = await stores.vectors.search(vectors[0], 10, [name])
        assert [hit.image_id for hit in hits] == [f"i{i}"], name
    assert await stores.vectors.search(vectors[0], 10, ["x"]) == []


async def test_a_collection_made_before_tenants_is_refused_at_open(stores: StoresUnderTest) -> None:
    # Without a `tenant` field a search could not be confined to one tenant: the index refuses to open it,
    # saying what to do, rather than search it unfiltered. On the server only: closing a second index on
    # the Lite file would stop the fixture's Lite server too.
    if stores.kind != "server":
        pytest.skip("one schema check for both flavours (milvus_collection.ensure_collection)")
    settings = stores.settings.model_copy(update={"collection": f"legacy_{uuid.uuid4().hex[:8]}"})
    client = MilvusLocation.parse(settings.vectors_location()).connect(5.0)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("image_id", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("person_id", DataType.VARCHAR, max_length=64)
    schema.add_field("groups", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=64, max_length=64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=128)
    index_params = client.prepare_index_params()
    index_params.add_index(
        "vector", index_type="HNSW", metric_type="COSINE", params={"M": 16, "efConstruction": 64}
    )
    client.create_collection(settings.collection, schema=schema, index_params=index_params)
    try:
        with pytest.raises(UnavailableError, match=r"made before tenants.*new collection"):
            await open_vectors(settings)
    finally:
        client.drop_collection(settings.collection)
        client.close()


async def test_every_search_is_confined_to_one_tenant(stores: StoresUnderTest) -> None:
    # The same vectors stored for two tenants (a person enrolled by both with the same photo): each tenant's
    # search, with or without groups, finds only its own; the default tenant is a tenant like the others.
    records, vectors = gallery(48)
    await stores.vectors.upsert(
        [dataclasses.replace(record, image_id=f"a-{record.image_id}", tenant="a") for record in records]
    )
    await stores.vectors.upsert(
        [dataclasses.replace(record, image_id=f"b-{record.image_id}", tenant="b") for record in records]
    )
    for tenant in ("a", "b"):
        hits = await stores.vectors.search(vectors[5], 48, tenant=tenant)
        assert len(hits) == 48 and {hit.image_id[:2] for hit in hits} == {f"{tenant}-"}
        assert hits[0].image_id == f"{tenant}-i5"
        grouped = await stores.vectors.search(vectors[5], 48, ["g1"], tenant=tenant)
        assert sorted(hit.image_id for hit in grouped) == sorted(
            f"{tenant}-i{i}" for i in range(48) if i % 4 and i % 3 == 1
        )
        assert await stores.vectors.count(tenant) == 48
    assert await stores.vectors.search(vectors[5], 48) == []  # nothing of tenant "default"
    assert await stores.vectors.search(vectors[5], 48, tenant="c") == []
    assert await stores.vectors.count() == 96 and await stores.vectors.count("c") == 0
    # Group lists change without moving a vector to another tenant.
    await stores.vectors.set_groups("p1", ["vip"])
    vip = await stores.vectors.search(vectors[1], 48, ["vip"], tenant="b")
    assert sorted(hit.image_id for hit in vip) == sorted(f"b-i{i}" for i in range(48) if i % 8 == 1)
    await stores.vectors.delete_person("p1")
    assert await stores.vectors.count("a") == await stores.vectors.count("b") == 42
    with pytest.raises(InvalidRequestError):
        await stores.vectors.search(vectors[5], 5, tenant="Not A Tenant")
    with pytest.raises(InvalidRequestError):
        await stores.vectors.upsert([dataclasses.replace(records[0], tenant="")])


async def test_compaction_starts_only_after_deletes(stores: StoresUnderTest) -> None:
    records, vectors = gallery(48)
    await stores.vectors.compact()  # the fixture's emptying deleted vectors: start from a compacted index
    await stores.vectors.upsert(records)
    assert await stores.vectors.compact() is False  # nothing deleted since: nothing to purge
    await stores.vectors.delete(["i1", "i2"])
    await stores.vectors.delete_person("p3")
    assert await stores.vectors.compact() is True
    assert await stores.vectors.compact() is False
    hits = await stores.vectors.search(vectors[1], 48)
    assert sorted(hit.image_id for hit in hits) == sorted(
        f"i{i}" for i in range(48) if i not in (1, 2) and i % 8 != 3
    )


async def test_set_groups_moves_every_vector_of_the_person_only(stores: StoresUnderTest) -> None:
    records, vectors = gallery()
    await stores.vectors.upsert(records)
    await stores.vectors.set_groups("p3", ["vip", "g1"])
    vip = await stores.vectors.search(vectors[0], COUNT, ["vip"])
    assert sorted(hit.image_id for hit in vip) == sorted(f"i{i}" for i in range(COUNT) if i % 8 == 3)
    g1 = {hit.image_id for hit in await stores.vectors.search(vectors[0], COUNT, ["g1"])}
    expected_g1 = {f"i{i}" for i in range(COUNT) if i % 8 == 3 or (i % 4 and i % 3 == 1)}
    assert g1 == expected_g1
    # The vectors themselves did not change.
    hit = (await stores.vectors.search(vectors[3], 1, ["vip"]))[0]
    assert (hit.image_id, hit.cosine) == ("i3", pytest.approx(1.0, abs=1e-5))
    await stores.vectors.set_groups("p3", [])
    assert await stores.vectors.search(vectors[0], COUNT, ["vip"]) == []
    await stores.vectors.set_groups("nobody", ["vip"])  # a person without vectors: nothing to do


async def test_delete_and_delete_person(stores: StoresUnderTest) -> None:
    records, vectors = gallery()
    await stores.vectors.upsert(records)
    assert await stores.vectors.count() == COUNT
    await stores.vectors.delete(["i0", "i1", "not-there"])
    await stores.vectors.delete([])
    assert await stores.vectors.count() == COUNT - 2
    await stores.vectors.delete_person("p5")
    remaining = {f"i{i}" for i in range(2, COUNT) if i % 8 != 5}
    assert await stores.vectors.count() == len(remaining)
    hits = await stores.vectors.search(vectors[5], COUNT)
    assert {hit.image_id for hit in hits} == remaining
    await stores.vectors.delete_person("nobody")


async def test_upsert_replaces_by_image_id(stores: StoresUnderTest) -> None:
    first, second = unit_vectors(2, 9)
    await stores.vectors.upsert([VectorRecord("img", "p1", first, ("a",))])
    await stores.vectors.upsert([VectorRecord("img", "p2", second, ("b",))])
    assert await stores.vectors.count() == 1
    (hit,) = await stores.vectors.search(second, 5, ["b"])
    assert (hit.image_id, hit.person_id, hit.cosine) == ("img", "p2", pytest.approx(1.0, abs=1e-5))
    assert await stores.vectors.search(second, 5, ["a"]) == []


async def test_every_write_is_visible_to_the_next_read(stores: StoresUnderTest) -> None:
    vectors = unit_vectors(5, 4)
    for round_, vector in enumerate(vectors):
        image_id = str(uuid.uuid4())
        await stores.vectors.upsert([VectorRecord(image_id, f"p{round_}", vector, ("g",))])
        assert [hit.image_id for hit in await stores.vectors.search(vector, 1, ["g"])] == [image_id]
        assert await stores.vectors.count() == 1
        await stores.vectors.delete([image_id])
        assert await stores.vectors.search(vector, 1) == []
        assert await stores.vectors.count() == 0


async def test_another_replica_sees_every_write_at_once(server_stores: StoresUnderTest) -> None:
    # Two identification replicas: each its own Milvus client, sharing only the database. Without Strong
    # reads, the replica that did not write still finds each write at once (it waits for the writer's
    # timestamp, kept in the database), and no longer finds what was deleted.
    writer = server_stores.vectors
    reader = await open_vectors(server_stores.settings, server_stores.database)
    try:
        vectors = unit_vectors(5, 6)
        for round_, vector in enumerate(vectors):
            tenant = "default" if round_ % 2 else "t-round"
            image_id = str(uuid.uuid4())
            await writer.upsert([VectorRecord(image_id, f"p{round_}", vector, ("g",), tenant)])
            hits = await reader.search(vector, 1, ["g"], tenant=tenant)
            assert [hit.image_id for hit in hits] == [image_id]
            assert await reader.count(tenant) == 1
            await writer.set_groups(f"p{round_}", ["h"])
            regrouped = await reader.search(vector, 1, ["h"], tenant=tenant)
            assert [hit.image_id for hit in regrouped] == [image_id]
            await (writer.delete([image_id]) if round_ % 2 else writer.delete_person(f"p{round_}"))
            assert await reader.search(vector, 1, tenant=tenant) == []
            assert await reader.count() == 0
    finally:
        await reader.close()


async def test_a_strong_reader_sees_the_writes_of_a_session_writer(server_stores: StoresUnderTest) -> None:
    strong = server_stores.settings.model_copy(update={"vectors_consistency": "Strong"})
    reader = await open_vectors(strong)
    try:
        vector = unit_vectors(1, 8)[0]
        await server_stores.vectors.upsert([VectorRecord("img", "p", vector, ())])
        assert [hit.image_id for hit in await reader.search(vector, 1)] == ["img"]
        await server_stores.vectors.delete(["img"])
        assert await reader.search(vector, 1) == []
    finally:
        await reader.close()


async def test_the_write_fence_keeps_the_latest_timestamp_per_tenant(stores: StoresUnderTest) -> None:
    fence, other_replica = DatabaseFence(stores.database), DatabaseFence(stores.database)
    assert await fence.latest("a") == await fence.latest(None) == 0
    await fence.advance(["a", "b"], 100)
    await other_replica.advance(["a"], 90)  # an older write returning late: the fence never goes back
    assert await fence.latest("a") == await other_replica.latest("b") == 100
    await other_replica.advance(["b"], 120)
    await other_replica.advance([ANY_TENANT], 110)  # a delete by id: every tenant waits for it
    assert (await fence.latest("a"), await fence.latest("b"), await fence.latest("c")) == (110, 120, 110)
    assert await fence.latest(None) == 120


async def test_the_tenant_is_the_partition_key_only_from_milvus_2_5(server_stores: StoresUnderTest) -> None:
    # On Milvus 2.3.5 a partition-key collection answered tenant-filtered searches with wrong hits, so the
    # setting is refused there before any collection is made; from 2.5 on, searches stay in their tenant.
    settings = server_stores.settings.model_copy(
        update={"collection": f"pk_{uuid.uuid4().hex[:8]}", "vectors_partition_key": True}
    )
    client = MilvusLocation.parse(settings.vectors_location()).connect(5.0)
    try:
        major, minor = (int(part) for part in client.get_server_version().lstrip("v").split(".")[:2])
        if (major, minor) < (2, 5):
            with pytest.raises(UnavailableError, match=r"partition key needs a Milvus server 2\.5"):
                await open_vectors(settings)
            assert not client.has_collection(settings.collection)
            return
        index = await open_vectors(settings)
        try:
            records, vectors = gallery(48)
            for tenant in ("a", "b"):
                await index.upsert(
                    [
                        dataclasses.replace(r, image_id=f"{tenant}-{r.image_id}", tenant=tenant)
                        for r in records
                    ]
                )
            hits = await index.search(vectors[5], 10, tenant="a")
            assert [hit.image_id for hit in hits] == [
                f"a-i{i}" for i in exact_top(vectors, vectors[5], list(range(48)), 10)
            ]
        finally:
            await index.close()
    finally:
        client.drop_collection(settings.collection)
        client.close()


async def test_the_replica_setting_reaches_milvus(server_stores: StoresUnderTest) -> None:
    # The test server is standalone, one query node: one replica loads, two cannot (a new collection each).
    client = MilvusLocation.parse(server_stores.settings.vectors_location()).connect(5.0)
    try:
        for replicas, loads in ((1, True), (2, False)):
            settings = server_stores.settings.model_copy(
                update={"collection": f"replicas_{uuid.uuid4().hex[:8]}", "vectors_replicas": replicas}
            )
            try:
                if loads:
                    index = await open_vectors(settings)
                    await index.upsert(gallery(4)[0])
                    assert await index.count() == 4
                    await index.close()
                else:
                    with pytest.raises(UnavailableError, match=r"(?i)node"):
                        await open_vectors(settings)
            finally:
                client.drop_collection(settings.collection)
    finally:
        client.close()


async def assert_image_ids_lists_everything(stores: StoresUnderTest, count: int) -> None:
    vectors = unit_vectors(count, 3)
    records = [VectorRecord(f"img{index}", "p", vectors[index], ()) for index in range(count)]
    await stores.vectors.upsert(records)
    ids = [image_id async for image_id in stores.vectors.image_ids()]
    assert len(ids) == count and set(ids) == {record.image_id for record in records}


async def test_image_ids_lists_every_stored_image(stores: StoresUnderTest) -> None:
    await assert_image_ids_lists_everything(stores, 2100)


async def test_image_ids_pages_through_more_than_one_query_window(server_stores: StoresUnderTest) -> None:
    # Past MAX_TOPK the query iterator pages by primary key (same code on Lite, where 17k upserts take 9 s).
    await assert_image_ids_lists_everything(server_stores, MAX_TOPK + 1100)


async def test_a_descriptor_of_another_size_is_refused(stores: StoresUnderTest) -> None:
    with pytest.raises(ValueError):
        await stores.vectors.upsert([VectorRecord("i", "p", np.ones(512, np.float32), ())])
    with pytest.raises(ValueError):
        await stores.vectors.search(np.ones(64, np.float32), 3)
