"""A client channel that follows its TLS files: a certificate renewed on disk is used without a restart.

gRPC's channel credentials are read once, so the channel is made again when the CA, certificate or key file
changes (looked at, at most once a second, when a call starts). New calls go to the new channel; the old one
gets `RETIRE_SECONDS` to finish the calls it carries, then closes. Stubs keep working across the swap: each
method they hold asks for the current channel at every call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import grpc

from libs.rpc.tls import TLSFiles, stamp_of

CHECK_SECONDS = 1.0
RETIRE_SECONDS = 60.0
_log = logging.getLogger(__name__)


class RenewingChannel(grpc.aio.Channel):
    def __init__(self, make: Callable[[], grpc.aio.Channel], files: TLSFiles) -> None:
        self._make, self._files = make, files
        self._stamp = stamp_of(files)
        self._channel = make()
        self._checked = time.monotonic()
        self._retiring: dict[grpc.aio.Channel, asyncio.Task[None]] = {}  # old channels finishing their calls

    def current(self) -> grpc.aio.Channel:
        """The channel for a call starting now, made again first if the TLS files changed."""
        now = time.monotonic()
        if now - self._checked < CHECK_SECONDS:
            return self._channel
        self._checked = now
        stamp = stamp_of(self._files)
        if stamp == self._stamp:
            return self._channel
        try:
            fresh = self._make()
        except (OSError, ValueError) as error:  # caught half-written: try again at a later call
            _log.warning("TLS files changed but cannot be read yet (%s); the previous ones stay", error)
            return self._channel
        retired, self._channel, self._stamp = self._channel, fresh, stamp
        task = asyncio.ensure_future(retired.close(grace=RETIRE_SECONDS))
        self._retiring[retired] = task
        task.add_done_callback(lambda _: self._retiring.pop(retired, None))
        _log.info("client TLS certificate reloaded from %s", self._files.cert)
        return fresh

    def _method(self, kind: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return _RenewingMethod(self, kind, method, args, kwargs)

    def unary_unary(self, method: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._method("unary_unary", method, *args, **kwargs)

    def unary_stream(self, method: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._method("unary_stream", method, *args, **kwargs)

    def stream_unary(self, method: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._method("stream_unary", method, *args, **kwargs)

    def stream_stream(self, method: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._method("stream_stream", method, *args, **kwargs)

    async def close(self, grace: float | None = None) -> None:
        """Close the channel, and with it the old ones still finishing calls (within the same `grace`)."""
        retiring = list(self._retiring.items())
        for _, task in retiring:
            task.cancel()
        await asyncio.gather(self._channel.close(grace), *(channel.close(grace) for channel, _ in retiring))

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        return self.current().get_state(try_to_connect)

    async def wait_for_state_change(self, last_observed_state: grpc.ChannelConnectivity) -> None:
        await self.current().wait_for_state_change(last_observed_state)

    async def channel_ready(self) -> None:
        await self.current().channel_ready()

    async def __aenter__(self) -> RenewingChannel:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close(None)


class _RenewingMethod:
    """A stub's method: built on the current channel at each call (and kept while the channel is)."""

    def __init__(self, owner: RenewingChannel, kind: str, method: str, args: tuple, kwargs: dict) -> None:
        self._owner, self._kind, self._method, self._args, self._kwargs = owner, kind, method, args, kwargs
        self._built: tuple[grpc.aio.Channel, Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        channel = self._owner.current()
        if self._built is None or self._built[0] is not channel:
            made = getattr(channel, self._kind)(self._method, *self._args, **self._kwargs)
            self._built = (channel, made)
        return self._built[1](*args, **kwargs)
