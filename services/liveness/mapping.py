"""Proto ↔ domain for LivenessService."""

from __future__ import annotations

from google.protobuf import json_format, struct_pb2
from visage.liveness.v1 import liveness_pb2

from libs.liveness.policy import LivenessPolicy
from libs.liveness.submission import Submission
from libs.liveness.transactions import StartCommand, Started, TransactionView
from libs.timestamps import iso_from_ms


def start_command(
    request: liveness_pb2.StartLivenessTransactionRequest | liveness_pb2.CheckLivenessRequest,
) -> StartCommand:
    return StartCommand(
        type=request.type if request.HasField("type") else None,
        tag=request.tag if request.HasField("tag") else None,
        metadata=json_format.MessageToDict(request.metadata) if request.HasField("metadata") else {},
        label_tenant=request.tenant,  # Regula's label, not the caller's tenant (that comes as metadata)
        label_env=request.env,
    )


def started(result: Started, policy: LivenessPolicy) -> liveness_pb2.StartLivenessTransactionResponse:
    record = result.record
    return liveness_pb2.StartLivenessTransactionResponse(
        transaction_id=record.id,
        tag=record.tag,
        type=record.type,
        key=result.key,
        expires_at=iso_from_ms(record.expires_at),
        ttl_seconds=result.ttl_seconds,
        challenge=list(record.challenge),
        min_frames=policy.min_frames,
        max_frames=policy.max_frames,
        max_frame_bytes=policy.max_frame_bytes,
        max_video_bytes=policy.max_video_bytes,
    )


def submission(request: liveness_pb2.SubmitLivenessTransactionRequest) -> Submission:
    return Submission(
        transaction_id=request.transaction_id,
        nonce=request.nonce,
        frames=tuple(request.frames),
        video=request.video if request.HasField("video") and request.video else None,
        signature=request.signature,
    )


def transaction_info(view: TransactionView) -> liveness_pb2.TransactionInfo:
    info = liveness_pb2.TransactionInfo(
        code=view.code,
        tag=view.tag,
        transaction_id=view.transaction_id,
        type=view.type,
        failed_checks=list(view.failed_checks),
    )
    if view.status is not None:
        info.status = view.status
    if view.portrait is not None:
        info.portrait = view.portrait
    if view.video is not None:
        info.video = view.video
    metadata = struct_pb2.Struct()
    metadata.update(view.metadata)
    info.metadata.CopyFrom(metadata)
    for entry in view.age:
        info.age.add().update(entry)
    return info
