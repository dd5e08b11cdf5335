"""What the use cases need from other services (the face pipeline's ports are in `libs.faces.ports`, the
stores' in `libs.stores.ports`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from libs.usecases.descriptors import DescriptorsRequest, DescriptorsResult


class DescriptorSource(Protocol):
    """Faces and 128-d descriptors of a batch of photos: the matching service's `ComputeDescriptors`.

    A refused photo (undecodable, empty) gets its own status and does not fail the call; a source that cannot
    answer raises `UnavailableError` (or another `libs.errors` type)."""

    async def describe(self, request: DescriptorsRequest) -> DescriptorsResult: ...


class FetchedPhoto(Protocol):
    """What `libs.net.fetch.fetch_image` answers (only these fields are used)."""

    @property
    def data(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


class PhotoFetcher(Protocol):
    """Downloads `imageUrl` photos under the service's fetch policy (size, time, no private addresses).

    Raises `libs.errors` types (InvalidRequestError for a refused URL, UnavailableError for a dead host)."""

    async def __call__(self, url: str) -> FetchedPhoto: ...


@dataclass(frozen=True, slots=True)
class LivenessPortrait:
    """What the liveness service says about a transaction used as a match input."""

    status: int | None  # 0 confirmed, 1 not confirmed, None not decided yet
    code: int  # FaceSDKResultCode of the transaction
    data: bytes  # the portrait (JPEG); empty unless status is 0


class LivenessPortraitSource(Protocol):
    async def portrait(self, transaction_id: str, tenant: str) -> LivenessPortrait:
        """The transaction's verdict and portrait; NotFoundError when `tenant` has no such transaction
        (another tenant's transaction is absent: it must not serve as this caller's input)."""
        ...
