"""Read a response body under a byte limit: refuse by Content-Length first, then count while streaming."""

from __future__ import annotations

import httpcore

from libs.errors import ImageDownloadTooLargeError, ImageFetchError

_KIB = 1024
_MIB = 1024 * 1024


async def read_body(response: httpcore.Response, max_bytes: int) -> bytes:
    """The whole body, or `ImageDownloadTooLargeError` as soon as it is known to pass `max_bytes`."""
    too_large = ImageDownloadTooLargeError(f"imageUrl download exceeded {describe_size(max_bytes)}")
    encoding = _header(response, b"content-encoding")
    if encoding not in (None, b"identity"):
        # We asked for identity; a compressed body could expand past any limit we counted on the wire.
        raise ImageFetchError("imageUrl answered with a compressed body; only unencoded images are accepted")
    declared = _header(response, b"content-length")
    # h11 has already refused malformed or conflicting lengths; a declared length is a promise to check early.
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_stream():
        received += len(chunk)
        if received > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def describe_size(size: int) -> str:
    """20971520 -> "20 MiB"; sizes that are not whole MiB or KiB are given in bytes."""
    if size % _MIB == 0:
        return f"{size // _MIB} MiB"
    if size % _KIB == 0:
        return f"{size // _KIB} KiB"
    return f"{size} bytes"


def _header(response: httpcore.Response, name: bytes) -> bytes | None:
    value = next((v for k, v in response.headers if k.lower() == name), None)
    return None if value is None else value.strip().lower()
