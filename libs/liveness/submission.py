"""Submitting a transaction's frames: refusals in PROTOCOL.md's order, one decision, media stored with it.

Refusals: malformed 400, unknown 404, bad signature 403, already submitted 409, expired 410. A transaction is
claimed (STARTED -> PROCESSING, one conditional UPDATE) before any work, so concurrent submissions cannot both
be decided. If storing fails (a store down), the objects written so far are removed and the claim released:
the client may submit again before the expiry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from libs.call_context import within_deadline
from libs.config import ImageLimits
from libs.errors import (
    FaceSDKResultCode,
    ImageError,
    InvalidRequestError,
    LivenessAlreadySubmittedError,
    LivenessSignatureError,
    LivenessTransactionExpiredError,
    NotFoundError,
)
from libs.faces.crop import CropSpec, crop_portrait
from libs.faces.ports import Capability, LivenessAnalyzer, Trait
from libs.imaging import decode_image, encode_jpeg
from libs.liveness.decision import Decision, decide
from libs.liveness.frames import FrameAnalysis, analyze_frame
from libs.liveness.media import PORTRAIT, VIDEO, frame_name, frame_type, object_key, video_type
from libs.liveness.records import LivenessType, State, TransactionRecord
from libs.liveness.signing import NONCE_PATTERN, is_well_formed_signature, signature_matches
from libs.liveness.transactions import LivenessTransactions, StartCommand, TransactionView, checked_id
from libs.tenants import DEFAULT_TENANT

T = TypeVar("T")
PORTRAIT_JPEG_QUALITY = 92
EXPIRED = FaceSDKResultCode.FACER_TIMEOUT_LIVENESS_TRANSACTION


class InferenceRun(Protocol):
    """Runs `work(analyzer)` off the event loop (`services.common.inference.InferenceRunner.run`)."""

    def __call__(self, work: Callable[[LivenessAnalyzer], T]) -> Awaitable[T]: ...


@dataclass(frozen=True, slots=True)
class Submission:
    transaction_id: str
    nonce: str
    frames: Sequence[bytes]
    video: bytes | None
    signature: str


@dataclass(frozen=True, slots=True)
class Outcome:
    view: TransactionView
    decision: Decision


class SubmissionDesk:
    """Takes submissions (signed, through the gateway) and one-shot checks (mTLS clients) to a decision."""

    def __init__(self, transactions: LivenessTransactions, run: InferenceRun) -> None:
        self.transactions = transactions
        self.run = run

    async def submit(self, submission: Submission) -> Outcome:
        self._check_shape(submission)
        desk = self.transactions
        # By id alone: the signature below is the authorisation (the browser holds no API key).
        record = await desk.record(submission.transaction_id, None)
        key = desk.key_of(record.id)
        if not signature_matches(
            key, submission.signature, record.id, submission.nonce, submission.frames, submission.video
        ):
            raise LivenessSignatureError(
                f"signature does not match the submission for transaction {record.id} "
                "(altered frames or video, another key, or another transaction)"
            )
        await self._claim(record)
        return await self._process(record, submission.frames, submission.video)

    async def check(
        self, command: StartCommand, frames: Sequence[bytes], tenant: str = DEFAULT_TENANT
    ) -> Outcome:
        """The one-shot passive check of `CheckLiveness`: a transaction created claimed, then decided."""
        if command.type not in (None, LivenessType.PASSIVE, LivenessType.PASSIVE_WITH_BLINK):
            raise InvalidRequestError(
                "CheckLiveness runs passive checks only (type 1, or 2 with a blink); "
                "start and submit for ACTIVE"
            )
        self._check_frames(frames)
        started = await self.transactions.start(command, tenant, state=State.PROCESSING)
        try:
            return await self._process(started.record, frames, None)
        except BaseException:
            # No client can submit to it: an undecided one-shot transaction is only clutter.
            with contextlib.suppress(Exception):
                await self.transactions.remove(started.record)
            raise

    def _check_shape(self, submission: Submission) -> None:
        checked_id(submission.transaction_id)
        if not NONCE_PATTERN.fullmatch(submission.nonce):
            raise InvalidRequestError("nonce: 16..128 characters of A-Z, a-z, 0-9, '-' and '_'")
        if not is_well_formed_signature(submission.signature):
            raise InvalidRequestError("signature: 64 hex characters (HMAC-SHA256) expected")
        self._check_frames(submission.frames)
        if submission.video:
            limit = self.transactions.policy.max_video_bytes
            if len(submission.video) > limit:
                raise InvalidRequestError(f"video: {len(submission.video)} bytes, the limit is {limit}")
            video_type(submission.video)

    def _check_frames(self, frames: Sequence[bytes]) -> None:
        policy = self.transactions.policy
        if not policy.min_frames <= len(frames) <= policy.max_frames:
            raise InvalidRequestError(
                f"frames: {policy.min_frames}..{policy.max_frames} frames expected, got {len(frames)}"
            )
        for index, frame in enumerate(frames):
            if len(frame) > policy.max_frame_bytes:
                raise InvalidRequestError(
                    f"frames[{index}]: {len(frame)} bytes, the limit is {policy.max_frame_bytes}"
                )
            frame_type(frame, f"frames[{index}]")

    async def _claim(self, record: TransactionRecord) -> None:
        desk = self.transactions
        if record.state != State.STARTED:
            raise _refusal(record)
        now = desk.clock()
        if now >= record.expires_at:
            await desk.repository.decide(record.id, 1, EXPIRED, (), {}, {}, now, [State.STARTED])
            raise _expired(record)
        if not await desk.repository.claim(record.id, now):
            current = await desk.repository.get(record.id, None)
            if current is None:
                raise NotFoundError(f"no liveness transaction {record.id}")
            raise _refusal(current)

    async def _process(
        self, record: TransactionRecord, frames: Sequence[bytes], video: bytes | None
    ) -> Outcome:
        desk = self.transactions
        written: list[str] = []
        try:
            decision, portrait = await self.run(lambda engine: self._decide(engine, record, frames))
            media = await self._store(record, frames, video, portrait, written)
            decided = await desk.repository.decide(
                record.id, decision.status, int(decision.code), decision.failed_checks, decision.details,
                media, desk.clock(), [State.PROCESSING],
            )  # fmt: skip
            if not decided:  # deleted while being decided: take our objects with it
                await _delete_all(desk, written)
                raise NotFoundError(
                    f"liveness transaction {record.id} was deleted while it was being decided"
                )
        except BaseException:
            await _delete_all(desk, written)
            await desk.repository.release(record.id, desk.clock())
            raise
        return Outcome(desk.view(await desk.record(record.id, None)), decision)

    def _decide(
        self, engine: LivenessAnalyzer, record: TransactionRecord, frames: Sequence[bytes]
    ) -> tuple[Decision, bytes | None]:
        policy = self.transactions.policy
        limits = ImageLimits(max_encoded_bytes=policy.max_frame_bytes, max_pixels=policy.max_frame_pixels)
        blink = record.type == LivenessType.PASSIVE_WITH_BLINK
        analyses = []
        for index, data in enumerate(frames):
            try:
                image = decode_image(data, limits)
            except ImageError as error:
                analyses.append(_undecodable(index, error.message))
                continue
            analyses.append(analyze_frame(engine, image, index, policy.frame_limits, eyes=blink))
        decision = decide(analyses, record.challenge, policy.thresholds, blink=blink)
        best = decision.portrait_frame
        if best is None or analyses[best].face is None:
            return decision, None
        image = decode_image(frames[best], limits)
        face = analyses[best].face
        assert face is not None
        if Capability.AGE in engine.capabilities:
            (traits,) = engine.traits(image, [face], {Trait.AGE})
            assert traits.age is not None
            years = round(traits.age.years, 1)
            decision.details["age"] = [{"name": "Age", "value": list(traits.age.range), "years": years}]
        return decision, encode_jpeg(crop_portrait(image, face, CropSpec()), PORTRAIT_JPEG_QUALITY)

    async def _store(
        self,
        record: TransactionRecord,
        frames: Sequence[bytes],
        video: bytes | None,
        portrait: bytes | None,
        written: list[str],
    ) -> dict[str, str]:
        objects, prefix = self.transactions.objects, record.media_prefix
        items: list[tuple[str, bytes, str, str]] = []
        if portrait is not None:
            items.append((PORTRAIT, portrait, "image/jpeg", "jpg"))
        if video:
            items.append((VIDEO, video, *video_type(video)))
        if self.transactions.policy.keep_frames:
            for index, frame in enumerate(frames):
                items.append((frame_name(index), frame, *frame_type(frame, f"frames[{index}]")))
        media = {}
        for name, data, content_type, extension in items:
            key = object_key(prefix, name, extension)
            written.append(key)
            # Bounded by the caller's deadline (the adapter's timeout bounds it otherwise): a submission
            # nobody waits for any more stops here and is undone, before its decision is written.
            await within_deadline(objects.put(key, data, content_type), f"liveness media {name}")
            media[name] = key
        return media


def _undecodable(index: int, message: str) -> FrameAnalysis:
    return FrameAnalysis(index, 0, None, 0.0, 1.0, None, None, None, f"undecodable: {message}")


async def _delete_all(desk: LivenessTransactions, keys: Sequence[str]) -> None:
    for key in keys:
        # Housekeeping removes what is left under the prefix together with the row.
        with contextlib.suppress(Exception):
            await desk.objects.delete(key)


def _expired(record: TransactionRecord) -> LivenessTransactionExpiredError:
    return LivenessTransactionExpiredError(f"liveness transaction {record.id} expired; start a new one")


def _refusal(record: TransactionRecord) -> Exception:
    if record.state == State.DECIDED and record.code == EXPIRED and not record.media:
        return _expired(record)
    return LivenessAlreadySubmittedError(f"liveness transaction {record.id} was already submitted")
