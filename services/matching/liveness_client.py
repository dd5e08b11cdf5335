"""`LivenessPortraitSource` over gRPC: `LivenessService.GetTransactionPortrait` on an mTLS channel."""

from __future__ import annotations

import grpc
from visage.liveness.v1 import liveness_pb2, liveness_pb2_grpc

from libs.rpc import error_from_rpc
from libs.usecases.match import LivenessPortrait


class LivenessPortraitClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = liveness_pb2_grpc.LivenessServiceStub(channel)
        self._timeout = timeout_seconds

    async def portrait(self, transaction_id: str) -> LivenessPortrait:
        request = liveness_pb2.GetTransactionPortraitRequest(transaction_id=transaction_id)
        try:
            answer = await self._stub.GetTransactionPortrait(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise error_from_rpc(error) from error
        transaction = answer.transaction
        return LivenessPortrait(
            status=transaction.status if transaction.HasField("status") else None,
            code=transaction.code,
            data=answer.portrait,
        )
