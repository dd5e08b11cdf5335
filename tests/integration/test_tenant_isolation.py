"""Tenant isolation (issue 16) over real mTLS gRPC, on both store configurations (PostgreSQL + S3 + Milvus
server, SQLite + folder + Milvus Lite): identification, liveness and matching in process, each call carrying
its tenant as `visage-tenant` metadata, as the gateway sends it. Another tenant's id answers NOT_FOUND and
leaves every store as it was (read directly); searches never cross tenants; DeleteTenant empties SQL, the
object store and the vector index of one tenant and leaves the other's intact; rows from before tenants
(migrations 4002 and 5002) belong to the default tenant."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from visage.identification.v1 import (
    groups_pb2,
    identification_pb2_grpc,
    match_and_search_pb2,
    persons_pb2,
    records_pb2,
    search_pb2,
    tenants_pb2,
)
from visage.liveness.v1 import liveness_pb2, liveness_pb2_grpc
from visage.matching.v1 import matching_pb2, matching_pb2_grpc

from libs.errors import NotFoundError
from libs.faces import FaceEngine
from libs.identification import MIGRATIONS as IDENTIFICATION_MIGRATIONS
from libs.liveness.repository import MIGRATIONS as LIVENESS_MIGRATIONS
from libs.liveness.repository import TransactionRepository
from libs.liveness.signing import sign_submission
from libs.rpc import ServerSettings, TLSFiles
from libs.stores.factory import StoreSettings, open_database, open_objects
from libs.stores.ports import Database, ObjectStore
from libs.tenants import DEFAULT_TENANT, TENANT_METADATA_KEY
from services.common.liveness_client import LivenessBackend, open_liveness_client
from services.identification.servicer import create_identification_server
from services.identification.settings import IdentificationSettings
from services.liveness.service import assemble as assemble_liveness
from services.liveness.settings import LivenessSettings
from services.matching.service import assemble as assemble_matching
from services.matching.settings import MatchingSettings
from tests.fixtures_stores import StoresUnderTest
from tests.identification_support import KATY, OBAMA, build, photo, photo_keys
from tests.integration.service_support import serving_in_process
from tests.liveness_support import LIVE_SAMPLE, capture_frames

pytestmark = pytest.mark.integration

A, B = "tenant-a", "tenant-b"
TIMEOUT = 60


def as_tenant(tenant: str | None) -> tuple[tuple[str, str], ...]:
    return () if tenant is None else ((TENANT_METADATA_KEY, tenant),)


@dataclass
class Mesh:
    """The three services, their stubs, and the stores behind them (to read directly)."""

    identification: identification_pb2_grpc.IdentificationServiceStub
    liveness: liveness_pb2_grpc.LivenessServiceStub
    matching: matching_pb2_grpc.MatchingServiceStub
    stores: StoresUnderTest
    liveness_database: Database
    liveness_objects: ObjectStore
    faces_dir: Path

    def photo(self, relative: str) -> records_pb2.UploadImage:
        return records_pb2.UploadImage(content=photo(self.faces_dir, relative))

    async def identification_state(self) -> dict[str, Any]:
        """Every identification row, photo key and vector id, read from the stores themselves."""
        state: dict[str, Any] = {}
        for table in ("persons", "groups", "person_groups", "images"):
            rows = await self.stores.database.fetch(f"SELECT * FROM {table}")
            state[table] = sorted((tuple(sorted(dict(row).items())) for row in rows), key=repr)
        state["objects"] = await photo_keys(self.stores.objects)
        state["vectors"] = {image_id async for image_id in self.stores.vectors.image_ids()}
        return state

    async def liveness_state(self) -> dict[str, Any]:
        rows = await self.liveness_database.fetch("SELECT * FROM liveness_transactions")
        keys = {key async for key in self.liveness_objects.keys("tenants/")}
        return {"rows": sorted((tuple(sorted(dict(row).items())) for row in rows), key=repr), "keys": keys}


@pytest.fixture
async def mesh(
    stores: StoresUnderTest,
    face_engine: FaceEngine,
    dev_certs: Path,
    gateway_tls: TLSFiles,
    tmp_path: Path,
    faces_dir: Path,
) -> AsyncIterator[Mesh]:
    # Server flavour: liveness shares identification's PostgreSQL database and S3 bucket, so each service's
    # orphan scans and prefixes meet the other's keys. Embedded: a data directory of its own.
    liveness_stores = stores.settings if stores.kind == "server" else StoreSettings(data_dir=tmp_path)
    liveness_settings = LivenessSettings(
        server=ServerSettings(port=0),
        tls=TLSFiles.in_directory(dev_certs, "liveness"),
        stores=liveness_stores,
        secret_key="tenant-isolation-test",
    )
    identification = build(stores.database, stores.objects, stores.vectors, face_engine)
    await identification.migrate()
    identification_tls = TLSFiles.in_directory(dev_certs, "identification")
    async with assemble_liveness(liveness_settings, face_engine) as liveness_service:
        target = f"127.0.0.1:{liveness_service.rpc.port}"
        portraits = open_liveness_client(LivenessBackend(liveness_target=target), identification_tls)
        assert portraits is not None
        identification.context.liveness = portraits
        identification_rpc = await create_identification_server(
            IdentificationSettings(server=ServerSettings(port=0), tls=identification_tls),
            identification,
            "test",
        )
        matching_settings = MatchingSettings(
            server=ServerSettings(port=0),
            tls=TLSFiles.in_directory(dev_certs, "matching"),
            liveness_target=target,
        )
        database = await open_database(liveness_stores, "liveness")
        objects = await open_objects(liveness_stores)
        try:
            async with (
                assemble_matching(matching_settings, face_engine) as matching_service,
                serving_in_process(liveness_service.rpc, gateway_tls) as liveness_channel,
                serving_in_process(identification_rpc, gateway_tls) as identification_channel,
                serving_in_process(matching_service.rpc, gateway_tls) as matching_channel,
            ):
                yield Mesh(
                    identification_pb2_grpc.IdentificationServiceStub(identification_channel),
                    liveness_pb2_grpc.LivenessServiceStub(liveness_channel),
                    matching_pb2_grpc.MatchingServiceStub(matching_channel),
                    stores,
                    database,
                    objects,
                    faces_dir,
                )
        finally:
            await portraits.close()
            await objects.close()
            await database.close()


async def refused(call: Awaitable[Any]) -> grpc.StatusCode:
    """The status a call fails with. (Pass calls as lambdas where several are listed: a gRPC call starts
    when it is made, and these must run one after the other.)"""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value.code()


@dataclass
class Enrolled:
    group_id: str
    person_id: str
    image_id: str


async def enrol(mesh: Mesh, tenant: str | None, name: str, relative: str) -> Enrolled:
    """A group, a person in it and one photo of them, created by `tenant`."""
    stub, metadata = mesh.identification, as_tenant(tenant)
    group = await stub.CreateGroup(groups_pb2.CreateGroupRequest(name=f"{name}-group"), metadata=metadata)
    person = await stub.CreatePerson(
        persons_pb2.CreatePersonRequest(name=name, groups=[group.group.id]), metadata=metadata
    )
    image = await stub.AddPersonImage(
        persons_pb2.AddPersonImageRequest(person_id=person.person.id, image=mesh.photo(relative)),
        metadata=metadata,
        timeout=TIMEOUT,
    )
    return Enrolled(group.group.id, person.person.id, image.id)


async def test_every_identification_rpc_treats_another_tenants_ids_as_absent(mesh: Mesh) -> None:
    a = await enrol(mesh, A, "Katy", KATY[0])
    b = await enrol(mesh, B, "Barack", OBAMA[0])
    stub, as_b = mesh.identification, as_tenant(B)
    before = await mesh.identification_state()
    persons = {dict(row)["id"]: dict(row) for row in before["persons"]}
    assert persons[a.person_id]["tenant"] == A and persons[b.person_id]["tenant"] == B
    assert {dict(row)["tenant"] for row in before["groups"]} == {A, B}
    assert any(key.startswith(f"tenants/{A}/persons/{a.person_id}/") for key in before["objects"])

    not_found = grpc.StatusCode.NOT_FOUND
    person_id, group_id, image_id = a.person_id, a.group_id, a.image_id
    calls = {
        "GetPerson": lambda: stub.GetPerson(persons_pb2.GetPersonRequest(person_id=person_id), metadata=as_b),
        "UpdatePerson": lambda: stub.UpdatePerson(
            persons_pb2.UpdatePersonRequest(person_id=person_id, name="taken over"), metadata=as_b
        ),
        "DeletePerson": lambda: stub.DeletePerson(
            persons_pb2.DeletePersonRequest(person_id=person_id), metadata=as_b
        ),
        "ListPersonImages": lambda: stub.ListPersonImages(
            persons_pb2.ListPersonImagesRequest(person_id=person_id), metadata=as_b
        ),
        "AddPersonImage": lambda: stub.AddPersonImage(
            persons_pb2.AddPersonImageRequest(person_id=person_id, image=mesh.photo(KATY[1])),
            metadata=as_b,
            timeout=TIMEOUT,
        ),
        "GetPersonImage": lambda: stub.GetPersonImage(
            persons_pb2.GetPersonImageRequest(person_id=person_id, image_id=image_id), metadata=as_b
        ),
        "DeletePersonImage": lambda: stub.DeletePersonImage(
            persons_pb2.DeletePersonImageRequest(person_id=person_id, image_id=image_id), metadata=as_b
        ),
        "ListPersonGroups": lambda: stub.ListPersonGroups(
            persons_pb2.ListPersonGroupsRequest(person_id=person_id), metadata=as_b
        ),
        "GetGroup": lambda: stub.GetGroup(groups_pb2.GetGroupRequest(group_id=group_id), metadata=as_b),
        "UpdateGroup": lambda: stub.UpdateGroup(
            groups_pb2.UpdateGroupRequest(group_id=group_id, name="taken over"), metadata=as_b
        ),
        "DeleteGroup": lambda: stub.DeleteGroup(
            groups_pb2.DeleteGroupRequest(group_id=group_id), metadata=as_b
        ),
        "ListGroupPersons": lambda: stub.ListGroupPersons(
            groups_pb2.ListGroupPersonsRequest(group_id=group_id), metadata=as_b
        ),
        # B's own person into A's group, and A's person into (and out of) B's own group.
        "UpdateGroupPersons into A's group": lambda: stub.UpdateGroupPersons(
            groups_pb2.UpdateGroupPersonsRequest(group_id=group_id, add_items=[b.person_id]), metadata=as_b
        ),
        "UpdateGroupPersons with A's person": lambda: stub.UpdateGroupPersons(
            groups_pb2.UpdateGroupPersonsRequest(group_id=b.group_id, add_items=[person_id]), metadata=as_b
        ),
        "CreatePerson in A's group": lambda: stub.CreatePerson(
            persons_pb2.CreatePersonRequest(name="intruder", groups=[group_id]), metadata=as_b
        ),
        "UpdatePerson into A's group": lambda: stub.UpdatePerson(
            persons_pb2.UpdatePersonRequest(person_id=b.person_id, groups=[group_id]), metadata=as_b
        ),
        "Search in A's group": lambda: stub.Search(
            search_pb2.SearchRequest(
                parameters=search_pb2.SearchParameters(image=mesh.photo(KATY[1]), group_ids=[group_id])
            ),
            metadata=as_b,
            timeout=TIMEOUT,
        ),
        "MatchAndSearch in A's group": lambda: stub.MatchAndSearch(
            match_and_search_pb2.MatchAndSearchRequest(
                images=[
                    match_and_search_pb2.MatchAndSearchImage(content=photo(mesh.faces_dir, KATY[1])),
                    match_and_search_pb2.MatchAndSearchImage(content=photo(mesh.faces_dir, OBAMA[1])),
                ],
                group_ids=[group_id],
            ),
            metadata=as_b,
            timeout=TIMEOUT,
        ),
        # A call without metadata is the default tenant's, which is a tenant like any other.
        "GetPerson without a tenant": lambda: stub.GetPerson(
            persons_pb2.GetPersonRequest(person_id=person_id)
        ),
    }
    codes = {name: await refused(call()) for name, call in calls.items()}
    assert codes == dict.fromkeys(calls, not_found)
    # Removing A's person from B's group is no error (a non-member) and changes nothing of A's.
    await stub.UpdateGroupPersons(
        groups_pb2.UpdateGroupPersonsRequest(group_id=b.group_id, remove_items=[person_id]), metadata=as_b
    )
    assert await mesh.identification_state() == before  # not a row, key or vector changed

    listed = await stub.ListGroups(groups_pb2.ListGroupsRequest(), metadata=as_b)
    assert [group.id for group in listed.items] == [b.group_id]
    as_a = as_tenant(A)
    person = await stub.GetPerson(persons_pb2.GetPersonRequest(person_id=person_id), metadata=as_a)
    assert (person.person.name, list(person.person.groups)) == ("Katy", [group_id])
    raw = await stub.GetPersonImage(
        persons_pb2.GetPersonImageRequest(person_id=person_id, image_id=image_id), metadata=as_a
    )
    assert raw.image.content_type == "image/jpeg" and raw.image.data
    members = await stub.ListGroupPersons(
        groups_pb2.ListGroupPersonsRequest(group_id=group_id), metadata=as_a
    )
    assert [item.id for item in members.items] == [person_id]


async def test_a_search_never_returns_another_tenants_person(mesh: Mesh) -> None:
    # Both tenants enrol the same photo; each search, with and without groups, finds only its own person.
    a = await enrol(mesh, A, "Katy of A", KATY[0])
    b = await enrol(mesh, B, "Katy of B", KATY[0])
    empty = await mesh.identification.CreateGroup(
        groups_pb2.CreateGroupRequest(name="empty"), metadata=as_tenant(B)
    )
    for tenant, own in ((A, a), (B, b)):
        for group_ids in ([], [own.group_id]):
            answer = await mesh.identification.Search(
                search_pb2.SearchRequest(
                    parameters=search_pb2.SearchParameters(image=mesh.photo(KATY[0]), group_ids=group_ids)
                ),
                metadata=as_tenant(tenant),
                timeout=TIMEOUT,
            )
            assert [person.id for person in answer.persons] == [own.person_id], (tenant, group_ids)
    in_empty = await mesh.identification.Search(
        search_pb2.SearchRequest(
            parameters=search_pb2.SearchParameters(image=mesh.photo(KATY[0]), group_ids=[empty.group.id])
        ),
        metadata=as_tenant(B),
        timeout=TIMEOUT,
    )
    assert list(in_empty.persons) == []
    # A tenant with nobody enrolled finds nobody, and createPerson makes the person in that tenant.
    created = await mesh.identification.Search(
        search_pb2.SearchRequest(
            parameters=search_pb2.SearchParameters(
                image=mesh.photo(KATY[0]), create_person=search_pb2.CreatePersonParams(name="Katy of C")
            )
        ),
        metadata=as_tenant("tenant-c"),
        timeout=TIMEOUT,
    )
    assert list(created.persons) == [] and created.created_person.name == "Katy of C"
    rows = await mesh.stores.database.fetch(
        "SELECT tenant FROM persons WHERE id = $1", created.created_person.id
    )
    assert [row["tenant"] for row in rows] == ["tenant-c"]
    # match_and_search: every face is searched in the caller's tenant only.
    both = await mesh.identification.MatchAndSearch(
        match_and_search_pb2.MatchAndSearchRequest(
            images=[
                match_and_search_pb2.MatchAndSearchImage(content=photo(mesh.faces_dir, KATY[0])),
                match_and_search_pb2.MatchAndSearchImage(content=photo(mesh.faces_dir, KATY[1])),
            ]
        ),
        metadata=as_tenant(B),
        timeout=TIMEOUT,
    )
    found = {
        person.id for detection in both.detections for face in detection.faces for person in face.persons
    }
    assert found == {b.person_id}
    # Without metadata: the default tenant, which enrolled nobody.
    default = await mesh.identification.Search(
        search_pb2.SearchRequest(parameters=search_pb2.SearchParameters(image=mesh.photo(KATY[0]))),
        timeout=TIMEOUT,
    )
    assert list(default.persons) == []


async def confirmed_transaction(mesh: Mesh, tenant: str) -> liveness_pb2.TransactionInfo:
    frames = capture_frames(mesh.faces_dir, LIVE_SAMPLE)
    answer = await mesh.liveness.CheckLiveness(
        liveness_pb2.CheckLivenessRequest(frames=frames), metadata=as_tenant(tenant), timeout=TIMEOUT
    )
    assert answer.transaction.status == 0
    return answer.transaction


async def test_liveness_transactions_keep_to_their_tenant(mesh: Mesh) -> None:
    # Regula's `tenant` label names B: a label, stored and returned, never the authorisation boundary.
    started = await mesh.liveness.StartLivenessTransaction(
        liveness_pb2.StartLivenessTransactionRequest(tag="session-a", tenant=B, env="prod"),
        metadata=as_tenant(A),
    )
    transaction_id = started.transaction_id
    frames = capture_frames(mesh.faces_dir, LIVE_SAMPLE)
    nonce = secrets.token_urlsafe(16)
    # The browser's submission carries no tenant: the signature authorises it.
    await mesh.liveness.SubmitLivenessTransaction(
        liveness_pb2.SubmitLivenessTransactionRequest(
            transaction_id=transaction_id,
            nonce=nonce,
            frames=frames,
            signature=sign_submission(bytes.fromhex(started.key), transaction_id, nonce, frames),
        ),
        timeout=TIMEOUT,
    )
    (row,) = await mesh.liveness_database.fetch(
        "SELECT tenant, label_tenant, label_env, state FROM liveness_transactions WHERE id = $1",
        transaction_id,
    )
    assert dict(row) == {"tenant": A, "label_tenant": B, "label_env": "prod", "state": "decided"}
    before = await mesh.liveness_state()
    assert before["keys"] and all(key.startswith(f"tenants/{A}/liveness/") for key in before["keys"])

    stub, as_b = mesh.liveness, as_tenant(B)
    calls = {
        "Get": lambda: stub.GetLivenessTransaction(
            liveness_pb2.GetLivenessTransactionRequest(transaction_id=transaction_id), metadata=as_b
        ),
        "Media": lambda: stub.GetLivenessMedia(
            liveness_pb2.GetLivenessMediaRequest(transaction_id=transaction_id, name="portrait"),
            metadata=as_b,
        ),
        "Delete": lambda: stub.DeleteLivenessTransaction(
            liveness_pb2.DeleteLivenessTransactionRequest(transaction_id=transaction_id), metadata=as_b
        ),
        "Delete with its tag": lambda: stub.DeleteLivenessTransaction(
            liveness_pb2.DeleteLivenessTransactionRequest(transaction_id=transaction_id, tag="session-a"),
            metadata=as_b,
        ),
        "Portrait": lambda: stub.GetTransactionPortrait(
            liveness_pb2.GetTransactionPortraitRequest(transaction_id=transaction_id, tenant=B)
        ),
        "Portrait of the default tenant": lambda: stub.GetTransactionPortrait(
            liveness_pb2.GetTransactionPortraitRequest(transaction_id=transaction_id)
        ),
        "Get without a tenant": lambda: stub.GetLivenessTransaction(
            liveness_pb2.GetLivenessTransactionRequest(transaction_id=transaction_id)
        ),
    }
    codes = {name: await refused(call()) for name, call in calls.items()}
    assert codes == dict.fromkeys(calls, grpc.StatusCode.NOT_FOUND)
    # A whole session by tag is looked up in the caller's tenant: B's delete of A's tag removes nothing.
    await stub.DeleteLivenessTransaction(
        liveness_pb2.DeleteLivenessTransactionRequest(tag="session-a"), metadata=as_b
    )
    assert await mesh.liveness_state() == before

    read = await stub.GetLivenessTransaction(
        liveness_pb2.GetLivenessTransactionRequest(transaction_id=transaction_id), metadata=as_tenant(A)
    )
    assert read.transaction.status == 0
    portrait = await stub.GetTransactionPortrait(
        liveness_pb2.GetTransactionPortraitRequest(transaction_id=transaction_id, tenant=A)
    )
    assert portrait.portrait.startswith(b"\xff\xd8")


async def test_another_tenants_liveness_transaction_is_no_match_input(mesh: Mesh) -> None:
    transaction = await confirmed_transaction(mesh, A)
    await enrol(mesh, B, "Someone of B", KATY[0])
    live_photo = photo(mesh.faces_dir, LIVE_SAMPLE)
    match = matching_pb2.MatchRequest(
        images=[
            matching_pb2.MatchImage(liveness_transaction_id=transaction.transaction_id),
            matching_pb2.MatchImage(data=live_photo),
        ]
    )
    match_and_search = match_and_search_pb2.MatchAndSearchRequest(
        images=[
            match_and_search_pb2.MatchAndSearchImage(liveness_transaction_id=transaction.transaction_id),
            match_and_search_pb2.MatchAndSearchImage(content=live_photo),
        ]
    )
    for tenant in (B, None):
        metadata = as_tenant(tenant)
        assert await refused(mesh.matching.Match(match, metadata=metadata, timeout=TIMEOUT)) == (
            grpc.StatusCode.NOT_FOUND
        )
        assert (
            await refused(
                mesh.identification.MatchAndSearch(match_and_search, metadata=metadata, timeout=TIMEOUT)
            )
            == grpc.StatusCode.NOT_FOUND
        )
    matched = await mesh.matching.Match(match, metadata=as_tenant(A), timeout=TIMEOUT)
    assert matched.results[0].similarity > 0.9
    searched = await mesh.identification.MatchAndSearch(
        match_and_search, metadata=as_tenant(A), timeout=TIMEOUT
    )
    assert searched.results[0].similarity > 0.9
    assert all(not face.persons for detection in searched.detections for face in detection.faces)


async def test_a_malformed_tenant_is_an_invalid_argument(mesh: Mesh) -> None:
    bad = as_tenant("Tenant A!")
    calls = {
        "GetPerson": lambda: mesh.identification.GetPerson(
            persons_pb2.GetPersonRequest(person_id="00000000-0000-4000-8000-000000000000"), metadata=bad
        ),
        "ListGroups": lambda: mesh.identification.ListGroups(groups_pb2.ListGroupsRequest(), metadata=bad),
        "Start": lambda: mesh.liveness.StartLivenessTransaction(
            liveness_pb2.StartLivenessTransactionRequest(), metadata=bad
        ),
        "Match": lambda: mesh.matching.Match(
            matching_pb2.MatchRequest(images=[matching_pb2.MatchImage(data=b"x")] * 2), metadata=bad
        ),
        "DeleteTenant": lambda: mesh.identification.DeleteTenant(tenants_pb2.DeleteTenantRequest(tenant="")),
        "DeleteTenant of liveness": lambda: mesh.liveness.DeleteTenant(
            liveness_pb2.DeleteTenantRequest(tenant="../default")
        ),
        "Portrait": lambda: mesh.liveness.GetTransactionPortrait(
            liveness_pb2.GetTransactionPortraitRequest(
                transaction_id="00000000-0000-4000-8000-000000000000", tenant="UPPER"
            )
        ),
    }
    codes = {name: await refused(call()) for name, call in calls.items()}
    assert codes == dict.fromkeys(calls, grpc.StatusCode.INVALID_ARGUMENT)


async def test_delete_tenant_empties_every_store_of_that_tenant_only(mesh: Mesh) -> None:
    a = await enrol(mesh, A, "Katy", KATY[0])
    await mesh.identification.AddPersonImage(
        persons_pb2.AddPersonImageRequest(person_id=a.person_id, image=mesh.photo(KATY[1])),
        metadata=as_tenant(A),
        timeout=TIMEOUT,
    )
    await mesh.identification.CreateGroup(groups_pb2.CreateGroupRequest(name="second"), metadata=as_tenant(A))
    b = await enrol(mesh, B, "Barack", OBAMA[0])
    a_transaction = await confirmed_transaction(mesh, A)
    b_transaction = await confirmed_transaction(mesh, B)
    store = mesh.stores
    assert await store.vectors.count(A) == 2 and await store.vectors.count(B) == 1

    deleted = await mesh.identification.DeleteTenant(tenants_pb2.DeleteTenantRequest(tenant=A))
    assert (deleted.deleted_persons, deleted.deleted_groups, deleted.pending_persons) == (1, 2, 0)
    dropped = await mesh.liveness.DeleteTenant(liveness_pb2.DeleteTenantRequest(tenant=A))
    assert dropped.deleted_transactions == 1

    # SQL: no row of A's left, B's all there.
    for table in ("persons", "groups"):
        rows = await store.database.fetch(f"SELECT tenant FROM {table}")
        assert [row["tenant"] for row in rows] == [B], table
    images = await store.database.fetch("SELECT id, person_id FROM images")
    assert [(row["id"], row["person_id"]) for row in images] == [(b.image_id, b.person_id)]
    memberships = await store.database.fetch("SELECT person_id, group_id FROM person_groups")
    assert [(row["person_id"], row["group_id"]) for row in memberships] == [(b.person_id, b.group_id)]
    # Objects and vectors: none of A's.
    keys = await photo_keys(store.objects)
    assert len(keys) == 1 and next(iter(keys)).startswith(f"tenants/{B}/persons/{b.person_id}/")
    assert [key async for key in store.objects.keys(f"tenants/{A}/")] == []
    assert await store.vectors.count(A) == 0 and await store.vectors.count() == 1
    # Liveness: A's transaction and media gone, B's kept.
    rows = await mesh.liveness_database.fetch("SELECT id, tenant FROM liveness_transactions")
    assert [(row["id"], row["tenant"]) for row in rows] == [(b_transaction.transaction_id, B)]
    assert [key async for key in mesh.liveness_objects.keys(f"tenants/{A}/")] == []
    assert [key async for key in mesh.liveness_objects.keys(f"tenants/{B}/liveness/")]
    assert (
        await refused(
            mesh.liveness.GetLivenessTransaction(
                liveness_pb2.GetLivenessTransactionRequest(transaction_id=a_transaction.transaction_id),
                metadata=as_tenant(A),
            )
        )
        == grpc.StatusCode.NOT_FOUND
    )

    # B works as before.
    found = await mesh.identification.Search(
        search_pb2.SearchRequest(parameters=search_pb2.SearchParameters(image=mesh.photo(OBAMA[1]))),
        metadata=as_tenant(B),
        timeout=TIMEOUT,
    )
    assert [person.id for person in found.persons] == [b.person_id]
    # Deleting again (or a tenant that never existed) is no error.
    again = await mesh.identification.DeleteTenant(tenants_pb2.DeleteTenantRequest(tenant=A))
    assert (again.deleted_persons, again.deleted_groups) == (0, 0)
    assert (
        await mesh.liveness.DeleteTenant(liveness_pb2.DeleteTenantRequest(tenant=A))
    ).deleted_transactions == 0


async def test_rows_from_before_tenants_belong_to_the_default_tenant(
    stores: StoresUnderTest, face_engine: FaceEngine
) -> None:
    # A database at 4001 and 5001 (one database for both, as a deployment may share), with rows written then.
    database = stores.database
    assert await database.migrate(IDENTIFICATION_MIGRATIONS[:1]) == [4001]
    assert await database.migrate(LIVENESS_MIGRATIONS[:1]) == [5001]
    person_id, image_id = "0c0ffee0-0000-4000-8000-000000000001", "0c0ffee0-0000-4000-8000-000000000002"
    await database.execute(
        "INSERT INTO persons (id, name, external_id, metadata, created_at, expire_at, state,"
        " state_changed_at) VALUES ($1, 'Old', NULL, '{}', 1, NULL, 'ready', 1)",
        person_id,
    )
    old_key = f"persons/{person_id}/{image_id}"
    await database.execute(
        "INSERT INTO images (id, person_id, state, state_changed_at, content_type, object_key, metadata,"
        " model, created_at) VALUES ($1, $2, 'ready', 1, 'image/jpeg', $3, '{}', 'sface_int8bq', 1)",
        image_id,
        person_id,
        old_key,
    )
    await stores.objects.put(old_key, b"old photo", "image/jpeg")
    transaction_id = "0c0ffee0-0000-4000-8000-000000000003"
    await database.execute(
        "INSERT INTO liveness_transactions (id, tag, type, state, status, code, failed_checks, challenge,"
        " metadata, tenant, env, media_prefix, media, details, created_at, expires_at, decided_at,"
        " updated_at)"
        " VALUES ($1, 't', 1, 'decided', 1, 254, '[]', '[]', '{}', 'acme', 'prod', 'liveness/x/', '{}', '{}',"
        " 1, 2, 2, 2)",
        transaction_id,
    )

    identification = build(database, stores.objects, stores.vectors, face_engine)
    assert await identification.migrate() == [4002]
    repository = TransactionRepository(database)
    await repository.migrate()
    assert (await identification.persons.get(person_id)).name == "Old"
    assert await identification.images.photo(person_id, image_id) == (b"old photo", "image/jpeg")
    with pytest.raises(NotFoundError):
        await identification.for_tenant(A).persons.get(person_id)
    record = await repository.get(transaction_id, DEFAULT_TENANT)
    assert record is not None and (record.tenant, record.label_tenant, record.label_env) == (
        DEFAULT_TENANT,
        "acme",
        "prod",
    )
    assert await repository.get(transaction_id, "acme") is None  # the old label is not the tenant
