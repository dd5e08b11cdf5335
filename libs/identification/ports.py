"""What identification needs besides the stores (`libs.stores.ports`): descriptors and remote photos."""

from __future__ import annotations

from typing import Protocol

from libs.usecases import DescriptorsRequest, DescriptorsResult


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
