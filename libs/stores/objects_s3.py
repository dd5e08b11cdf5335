"""`ObjectStore` on S3-compatible storage through the `minio` client.

The client is synchronous: calls run on this store's own small thread pool, so a slow S3 cannot starve the
threads other adapters use. Timeouts and retries are short: a dead server costs seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from libs.errors import InvalidRequestError, NotFoundError, UnavailableError
from libs.stores.object_keys import check_key

T = TypeVar("T")

_ABSENT = {"NoSuchKey", "NoSuchBucket", "NoSuchObject", "ResourceNotFound"}
_PAGE = 1000  # one S3 list page


@dataclass(frozen=True)
class S3Location:
    """`s3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1` (endpoint defaults to AWS)."""

    bucket: str
    host: str  # host[:port]
    secure: bool
    region: str | None

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        if parts.scheme != "s3" or not parts.hostname or parts.path not in ("", "/"):
            raise InvalidRequestError(f"objects URL {url!r} is not s3://bucket?endpoint=...&region=...")
        endpoint = urlsplit(query.get("endpoint", ["https://s3.amazonaws.com"])[0])
        if endpoint.scheme not in ("http", "https") or not endpoint.netloc:
            raise InvalidRequestError(f"S3 endpoint in {url!r} must be http(s)://host[:port]")
        region = query.get("region", [None])[0]
        return cls(parts.hostname, endpoint.netloc, endpoint.scheme == "https", region)


class S3ObjectStore:
    def __init__(self, client: Minio, location: S3Location, executor: ThreadPoolExecutor) -> None:
        self._client = client
        self._location = location
        self._bucket = location.bucket
        self._executor = executor

    @classmethod
    async def open(
        cls, url: str, access_key: str, secret_key: str, timeout: float = 5.0, threads: int = 8
    ) -> S3ObjectStore:
        location = S3Location.parse(url)
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout),
            maxsize=threads,
            # Retry a refused connection or a 5xx briefly; a read timeout is not retried (it already cost
            # `timeout` seconds).
            retries=urllib3.Retry(
                total=2,
                connect=2,
                read=0,
                status=2,
                backoff_factor=0.1,
                status_forcelist=(500, 502, 503, 504),
                raise_on_status=False,
            ),
        )
        client = Minio(
            location.host,
            access_key=access_key,
            secret_key=secret_key,
            secure=location.secure,
            region=location.region,
            http_client=http,
        )
        store = cls(client, location, ThreadPoolExecutor(threads, thread_name_prefix="visage-s3"))
        try:
            await store._run(store._ensure_bucket)
        except BaseException:
            await store.close()
            raise
        return store

    def _ensure_bucket(self) -> None:
        if self._client.bucket_exists(self._bucket):
            return
        try:
            location = self._location.region if self._location.region != "us-east-1" else None
            self._client.make_bucket(self._bucket, location=location)
        except S3Error as error:
            if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise  # another process creating it at the same time is fine

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        check_key(key)
        await self._run(
            lambda: self._client.put_object(
                self._bucket, key, io.BytesIO(data), len(data), content_type=content_type
            )
        )

    async def get(self, key: str) -> tuple[bytes, str]:
        check_key(key)

        def read() -> tuple[bytes, str]:
            response = self._client.get_object(self._bucket, key)
            try:
                return response.read(), response.headers.get("Content-Type", "application/octet-stream")
            finally:
                response.close()
                response.release_conn()

        try:
            return await self._run(read)
        except S3Error as error:
            raise NotFoundError(f"no object {key!r}") from error

    async def delete(self, key: str) -> None:
        check_key(key)
        with contextlib.suppress(S3Error):  # absent: deleting is idempotent
            await self._run(lambda: self._client.remove_object(self._bucket, key))

    async def exists(self, key: str) -> bool:
        check_key(key)
        try:
            await self._run(lambda: self._client.stat_object(self._bucket, key))
        except S3Error:
            return False
        return True

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        def page(after: str | None) -> list[str]:
            listing = self._client.list_objects(
                self._bucket, prefix=prefix, recursive=True, start_after=after
            )
            return [item.object_name for item in islice(listing, _PAGE) if item.object_name]

        after: str | None = None
        while True:
            names = await self._run(lambda after=after: page(after))  # type: ignore[misc]
            for name in names:
                yield name
            if len(names) < _PAGE:
                return
            after = names[-1]

    def link(self, key: str) -> str:
        return f"s3://{self._bucket}/{check_key(key)}"

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, call: Callable[[], T]) -> T:
        """Run a client call on the pool. S3Error 'absent' codes pass through for the caller to read;
        every other failure means the store cannot serve this call."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        except S3Error as error:
            if error.code in _ABSENT:
                raise
            raise UnavailableError(
                f"S3 bucket {self._bucket} refused: {error.code} {error.message}"
            ) from error
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as error:  # ServerError, bad responses
            where = f"{'https' if self._location.secure else 'http'}://{self._location.host}"
            raise UnavailableError(f"S3 at {where} does not answer: {error!r}") from error
        except RuntimeError as error:  # the pool was shut down: the store is closed
            raise UnavailableError(f"S3 store for {self._bucket} is closed") from error
