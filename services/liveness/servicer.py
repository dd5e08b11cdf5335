"""LivenessService over gRPC: proto ↔ `libs.liveness` mapping only (see mapping.py)."""

from __future__ import annotations

import grpc
from google.api import httpbody_pb2
from visage.liveness.v1 import liveness_pb2, liveness_pb2_grpc

from libs.liveness.submission import SubmissionDesk
from libs.liveness.transactions import LivenessTransactions
from libs.tenants import DEFAULT_TENANT, valid_tenant
from services.common.calls import logged_call, tenant
from services.liveness.mapping import start_command, started, submission, transaction_info

SERVICE_NAME = liveness_pb2.DESCRIPTOR.services_by_name["LivenessService"].full_name


class LivenessServicer(liveness_pb2_grpc.LivenessServiceServicer):
    def __init__(self, transactions: LivenessTransactions, desk: SubmissionDesk) -> None:
        self._transactions = transactions
        self._desk = desk

    async def StartLivenessTransaction(
        self, request: liveness_pb2.StartLivenessTransactionRequest, context: grpc.aio.ServicerContext
    ) -> liveness_pb2.StartLivenessTransactionResponse:
        with logged_call(context, "StartLivenessTransaction", request.tag) as call:
            result = await self._transactions.start(start_command(request), tenant(context))
            call.outcome = f"transaction={result.record.id} type={result.record.type}"
            return started(result, self._transactions.policy)

    async def SubmitLivenessTransaction(
        self, request: liveness_pb2.SubmitLivenessTransactionRequest, context: grpc.aio.ServicerContext
    ) -> liveness_pb2.SubmitLivenessTransactionResponse:
        # No tenant: the browser that submits holds no API key; the per-transaction signature authorises it
        # and the transaction keeps the tenant it was started in.
        with logged_call(context, "SubmitLivenessTransaction") as call:
            outcome = await self._desk.submit(submission(request))
            view = outcome.view
            call.outcome = f"transaction={view.transaction_id} status={view.status} code={view.code} " + (
                f"failed={','.join(view.failed_checks) or '-'} score={outcome.decision.score:.3f}"
            )
            return liveness_pb2.SubmitLivenessTransactionResponse(transaction=transaction_info(view))

    async def CheckLiveness(
        self, request: liveness_pb2.CheckLivenessRequest, context: grpc.aio.ServicerContext
    ) -> liveness_pb2.CheckLivenessResponse:
        with logged_call(context, "CheckLiveness", request.tag) as call:
            outcome = await self._desk.check(start_command(request), tuple(request.frames), tenant(context))
            view = outcome.view
            call.outcome = f"transaction={view.transaction_id} status={view.status} code={view.code}"
            return liveness_pb2.CheckLivenessResponse(
                transaction=transaction_info(view), score=outcome.decision.score
            )

    async def GetLivenessTransaction(
        self, request: liveness_pb2.GetLivenessTransactionRequest, context: grpc.aio.ServicerContext
    ) -> liveness_pb2.GetLivenessTransactionResponse:
        with logged_call(context, "GetLivenessTransaction") as call:
            view = await self._transactions.get(request.transaction_id, tenant(context))
            call.outcome = f"transaction={view.transaction_id} status={view.status}"
            return liveness_pb2.GetLivenessTransactionResponse(transaction=transaction_info(view))

    async def DeleteLivenessTransaction(
        self, request: liveness_pb2.DeleteLivenessTransactionRequest, context: grpc.aio.ServicerContext
    ) -> liveness_pb2.DeleteLivenessTransactionResponse:
        with logged_call(context, "DeleteLivenessTransaction", request.tag) as call:
            transaction_id = request.transaction_id if request.HasField("transaction_id") else None
            tag = request.tag if request.HasField("tag") else None
            count = await self._transactions.delete(transaction_id, tag, tenant(context))
            call.outcome = f"deleted={count}"
            return liveness_pb2.DeleteLivenessTransactionResponse()

    async def GetLivenessMedia(
        self, request: liveness_pb2.GetLivenessMediaRequest, context: grpc.aio.ServicerContext
    ) -> liveness_pb2.GetLivenessMediaResponse:
        with logged_call(context, "GetLivenessMedia") as call:
            data, content_type = await self._transactions.media(
                request.transaction_id, request.name, tenant(context)
            )
            call.outcome = f"name={request.name[:32]} bytes={len(data)}"
            return liveness_pb2.GetLivenessMediaResponse(
                media=httpbody_pb2.HttpBody(content_type=content_type, data=data)
            )

    async def GetTransactionPortrait(
        self, request: liveness_pb2.GetTransactionPortraitRequest, context: grpc.aio.ServicerContext
    ) -> liveness_pb2.GetTransactionPortraitResponse:
        with logged_call(context, "GetTransactionPortrait") as call:
            # The tenant of the caller's caller, in the request (matching and identification set it).
            owner = valid_tenant(request.tenant) if request.tenant else DEFAULT_TENANT
            view, data, content_type = await self._transactions.portrait(request.transaction_id, owner)
            call.outcome = f"transaction={view.transaction_id} status={view.status} bytes={len(data)}"
            return liveness_pb2.GetTransactionPortraitResponse(
                transaction=transaction_info(view), portrait=data, content_type=content_type
            )

    async def DeleteTenant(
        self, request: liveness_pb2.DeleteTenantRequest, context: grpc.aio.ServicerContext
    ) -> liveness_pb2.DeleteTenantResponse:
        with logged_call(context, "DeleteTenant", request.tenant) as call:
            count = await self._transactions.delete_tenant(request.tenant)
            call.outcome = f"deleted={count}"
            return liveness_pb2.DeleteTenantResponse(deleted_transactions=count)
