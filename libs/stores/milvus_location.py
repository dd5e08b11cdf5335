"""Where the vectors live: a Milvus server URL or a Milvus Lite file, and how to reach it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pymilvus import MilvusClient

from libs.errors import InvalidRequestError
from libs.stores.urls import path_of


@dataclass(frozen=True)
class MilvusLocation:
    """`http(s)://host:port` (a server) or `milvus-lite:///path/milvus.db` (Milvus Lite in this process)."""

    uri: str  # what pymilvus connects to
    lite_path: Path | None

    @classmethod
    def parse(cls, url: str) -> MilvusLocation:
        if url.startswith("milvus-lite:"):
            path = path_of(url, "milvus-lite")
            if path.suffix != ".db":
                raise InvalidRequestError(f"a Milvus Lite file ends with .db: {url!r}")
            return cls(str(path.absolute()), path.absolute())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidRequestError(
                f"vectors URL {url!r} is not http(s)://host:port or milvus-lite:///path.db"
            )
        return cls(url, None)

    def connect(self, timeout: float) -> MilvusClient:
        if self.lite_path is not None:
            self.lite_path.parent.mkdir(parents=True, exist_ok=True)
        return MilvusClient(uri=self.uri, timeout=timeout)

    def release(self) -> None:
        """Stop the in-process Milvus Lite server of this file (it holds the file's lock until then)."""
        if self.lite_path is not None:
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(str(self.lite_path))

    def __str__(self) -> str:
        return f"Milvus Lite {self.lite_path}" if self.lite_path is not None else self.uri
