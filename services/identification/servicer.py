"""IdentificationService over gRPC: proto ↔ `libs.identification` mapping only (mapping*.py)."""

from __future__ import annotations

from functools import partial

import grpc
from google.api import httpbody_pb2
from visage.identification.v1 import (
    groups_pb2,
    identification_pb2,
    identification_pb2_grpc,
    match_and_search_pb2,
    persons_pb2,
    search_pb2,
    tenants_pb2,
)

from libs.identification import Identification
from libs.rpc import RpcServer, create_server
from services.common.calls import logged_call, tenant
from services.identification import mapping as m
from services.identification.mapping_search import (
    match_and_search_query,
    match_and_search_response,
    search_query,
    search_response,
)
from services.identification.settings import IdentificationSettings

SERVICE_NAME = identification_pb2.DESCRIPTOR.services_by_name["IdentificationService"].full_name
Context = grpc.aio.ServicerContext


class IdentificationServicer(identification_pb2_grpc.IdentificationServiceServicer):
    def __init__(self, identification: Identification, version_sdk: str) -> None:
        self._id = identification
        self._version_sdk = version_sdk  # SearchDetection.versionSDK, e.g. "visage 0.1.0 sface_int8bq"

    def _tenant(self, context: Context) -> Identification:
        """The use cases of the caller's tenant (`visage-tenant` metadata; 400 when malformed)."""
        return self._id.for_tenant(tenant(context))

    async def CreatePerson(
        self, request: persons_pb2.CreatePersonRequest, context: Context
    ) -> persons_pb2.CreatePersonResponse:
        with logged_call(context, "CreatePerson"):
            person = await self._tenant(context).persons.create(m.person_fields(request))
            return persons_pb2.CreatePersonResponse(person=m.person(person))

    async def GetPerson(
        self, request: persons_pb2.GetPersonRequest, context: Context
    ) -> persons_pb2.GetPersonResponse:
        with logged_call(context, "GetPerson"):
            return persons_pb2.GetPersonResponse(
                person=m.person(await self._tenant(context).persons.get(request.person_id))
            )

    async def UpdatePerson(
        self, request: persons_pb2.UpdatePersonRequest, context: Context
    ) -> persons_pb2.UpdatePersonResponse:
        with logged_call(context, "UpdatePerson"):
            await self._tenant(context).persons.update(request.person_id, m.person_changes(request))
            return persons_pb2.UpdatePersonResponse()

    async def DeletePerson(
        self, request: persons_pb2.DeletePersonRequest, context: Context
    ) -> persons_pb2.DeletePersonResponse:
        with logged_call(context, "DeletePerson"):
            await self._tenant(context).persons.delete(request.person_id)
            return persons_pb2.DeletePersonResponse()

    async def ListPersonImages(
        self, request: persons_pb2.ListPersonImagesRequest, context: Context
    ) -> persons_pb2.ListPersonImagesResponse:
        with logged_call(context, "ListPersonImages"):
            page = await self._tenant(context).images.list(request.person_id, m.page_request(request))
            items = [m.image(item) for item in page.items]
            return persons_pb2.ListPersonImagesResponse(
                items=items, page=page.page, total_pages=page.total_pages
            )

    async def AddPersonImage(
        self, request: persons_pb2.AddPersonImageRequest, context: Context
    ) -> persons_pb2.AddPersonImageResponse:
        with logged_call(context, "AddPersonImage", request.tag) as call:
            image = await self._tenant(context).images.add(request.person_id, m.upload(request.image))
            call.outcome = f"image={image.id} kept={image.object_key is not None}"
            return m.added_image(image)

    async def GetPersonImage(
        self, request: persons_pb2.GetPersonImageRequest, context: Context
    ) -> persons_pb2.GetPersonImageResponse:
        with logged_call(context, "GetPersonImage"):
            data, content_type = await self._tenant(context).images.photo(request.person_id, request.image_id)
            return persons_pb2.GetPersonImageResponse(
                image=httpbody_pb2.HttpBody(content_type=content_type, data=data)
            )

    async def DeletePersonImage(
        self, request: persons_pb2.DeletePersonImageRequest, context: Context
    ) -> persons_pb2.DeletePersonImageResponse:
        with logged_call(context, "DeletePersonImage"):
            await self._tenant(context).images.delete(request.person_id, request.image_id)
            return persons_pb2.DeletePersonImageResponse()

    async def ListPersonGroups(
        self, request: persons_pb2.ListPersonGroupsRequest, context: Context
    ) -> persons_pb2.ListPersonGroupsResponse:
        with logged_call(context, "ListPersonGroups"):
            page = await self._tenant(context).persons.groups(request.person_id, m.page_request(request))
            items = [m.group(item) for item in page.items]
            return persons_pb2.ListPersonGroupsResponse(
                items=items, page=page.page, total_pages=page.total_pages
            )

    async def ListGroups(
        self, request: groups_pb2.ListGroupsRequest, context: Context
    ) -> groups_pb2.ListGroupsResponse:
        with logged_call(context, "ListGroups"):
            page = await self._tenant(context).groups.list(m.page_request(request))
            items = [m.group(item) for item in page.items]
            return groups_pb2.ListGroupsResponse(items=items, page=page.page, total_pages=page.total_pages)

    async def CreateGroup(
        self, request: groups_pb2.CreateGroupRequest, context: Context
    ) -> groups_pb2.CreateGroupResponse:
        with logged_call(context, "CreateGroup", request.tag):
            group = await self._tenant(context).groups.create(m.group_fields(request))
            return groups_pb2.CreateGroupResponse(group=m.group(group))

    async def GetGroup(
        self, request: groups_pb2.GetGroupRequest, context: Context
    ) -> groups_pb2.GetGroupResponse:
        with logged_call(context, "GetGroup"):
            return groups_pb2.GetGroupResponse(
                group=m.group(await self._tenant(context).groups.get(request.group_id))
            )

    async def UpdateGroup(
        self, request: groups_pb2.UpdateGroupRequest, context: Context
    ) -> groups_pb2.UpdateGroupResponse:
        with logged_call(context, "UpdateGroup", request.tag):
            await self._tenant(context).groups.update(request.group_id, m.group_fields(request))
            return groups_pb2.UpdateGroupResponse()

    async def DeleteGroup(
        self, request: groups_pb2.DeleteGroupRequest, context: Context
    ) -> groups_pb2.DeleteGroupResponse:
        with logged_call(context, "DeleteGroup"):
            await self._tenant(context).groups.delete(request.group_id)
            return groups_pb2.DeleteGroupResponse()

    async def ListGroupPersons(
        self, request: groups_pb2.ListGroupPersonsRequest, context: Context
    ) -> groups_pb2.ListGroupPersonsResponse:
        with logged_call(context, "ListGroupPersons"):
            page = await self._tenant(context).groups.persons(request.group_id, m.page_request(request))
            items = [m.person(item) for item in page.items]
            return groups_pb2.ListGroupPersonsResponse(
                items=items, page=page.page, total_pages=page.total_pages
            )

    async def UpdateGroupPersons(
        self, request: groups_pb2.UpdateGroupPersonsRequest, context: Context
    ) -> groups_pb2.UpdateGroupPersonsResponse:
        with logged_call(context, "UpdateGroupPersons"):
            await self._tenant(context).groups.update_persons(
                request.group_id, request.add_items, request.remove_items
            )
            return groups_pb2.UpdateGroupPersonsResponse()

    async def Search(self, request: search_pb2.SearchRequest, context: Context) -> search_pb2.SearchResponse:
        with logged_call(context, "Search", request.parameters.tag) as call:
            outcome = await self._tenant(context).search(search_query(request))
            found = sum(len(face.persons) for face in outcome.faces)
            call.outcome = f"faces={len(outcome.faces)} persons={found} created={outcome.created is not None}"
            return search_response(outcome, f"{self._version_sdk} {outcome.model}")

    async def MatchAndSearch(
        self, request: match_and_search_pb2.MatchAndSearchRequest, context: Context
    ) -> match_and_search_pb2.MatchAndSearchResponse:
        with logged_call(context, "MatchAndSearch", request.tag) as call:
            outcome = await self._tenant(context).match_and_search(match_and_search_query(request))
            call.outcome = f"images={len(outcome.detections)} pairs={len(outcome.results)}"
            return match_and_search_response(outcome)

    async def DeleteTenant(
        self, request: tenants_pb2.DeleteTenantRequest, context: Context
    ) -> tenants_pb2.DeleteTenantResponse:
        with logged_call(context, "DeleteTenant", request.tenant) as call:
            deleted = await self._id.delete_tenant(request.tenant)
            call.outcome = (
                f"persons={deleted.persons} groups={deleted.groups} pending={deleted.left_for_reconciler}"
            )
            return tenants_pb2.DeleteTenantResponse(
                deleted_persons=deleted.persons,
                deleted_groups=deleted.groups,
                pending_persons=deleted.left_for_reconciler,
            )


async def create_identification_server(
    settings: IdentificationSettings, identification: Identification, version: str
) -> RpcServer:
    """The bound, not yet started server (health NOT_SERVING until `mark_serving`)."""
    servicer = IdentificationServicer(identification, f"visage {version}")
    register = partial(identification_pb2_grpc.add_IdentificationServiceServicer_to_server, servicer)
    return await create_server(settings.server, settings.tls, [register], [SERVICE_NAME])
