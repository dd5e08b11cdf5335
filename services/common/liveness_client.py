"""A liveness service to call for `livenessTransactionId` inputs, shared by matching and identification.

`LivenessBackend` is the settings both services mix in (flat fields, so the variables stay
`VISAGE_<SERVICE>_LIVENESS_TARGET` etc.); `open_liveness_client` dials it; `LivenessPortraitClient` is the
`LivenessPortraitSource` over gRPC (`LivenessService.GetTransactionPortrait` on an mTLS channel).
"""

from __future__ import annotations

import grpc
from pydantic import BaseModel, Field
from visage.liveness.v1 import liveness_pb2, liveness_pb2_grpc

from libs.call_context import bounded
from libs.observability.tracing import outgoing_call
from libs.rpc import TLSFiles, error_from_rpc, secure_channel
from libs.usecases.ports import LivenessPortrait

# Only reads a transaction, so a call lost to a reconnect is safe to send again.
PORTRAIT_METHOD = "visage.liveness.v1.LivenessService/GetTransactionPortrait"


class LivenessBackend(BaseModel):
    """Settings mixin: where the liveness service is, for a service that resolves transaction ids."""

    # "host:port"; None = `livenessTransactionId` inputs are refused (503). Dialled with the calling
    # service's own certificate (server and client usage).
    liveness_target: str | None = None
    # Checked against liveness's certificate instead of the target's host (e.g. "liveness.visage.svc").
    liveness_server_name: str | None = None
    liveness_timeout_seconds: float = Field(default=10.0, gt=0)


class LivenessPortraitClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._channel = channel
        self._stub = liveness_pb2_grpc.LivenessServiceStub(channel)
        self._timeout = timeout_seconds

    async def portrait(self, transaction_id: str, tenant: str) -> LivenessPortrait:
        # The tenant goes in the request, not as metadata: this call is the service's own, on behalf of
        # its caller, and the field keeps that visible in the contract.
        request = liveness_pb2.GetTransactionPortraitRequest(transaction_id=transaction_id, tenant=tenant)
        with outgoing_call(PORTRAIT_METHOD) as forwarded:  # the request id and the trace context
            try:
                answer = await self._stub.GetTransactionPortrait(
                    request, timeout=bounded(self._timeout), metadata=forwarded
                )
            except grpc.aio.AioRpcError as error:
                raise error_from_rpc(error) from error
        transaction = answer.transaction
        return LivenessPortrait(
            status=transaction.status if transaction.HasField("status") else None,
            code=transaction.code,
            data=answer.portrait,
        )

    async def close(self) -> None:
        await self._channel.close()


def open_liveness_client(backend: LivenessBackend, tls: TLSFiles) -> LivenessPortraitClient | None:
    """The client of the configured liveness service, or None when there is none.

    The channel connects on first use and reconnects, so liveness may start later than the caller."""
    if not backend.liveness_target:
        return None
    channel = secure_channel(
        backend.liveness_target, tls, backend.liveness_server_name, retryable=[PORTRAIT_METHOD]
    )
    return LivenessPortraitClient(channel, backend.liveness_timeout_seconds)
