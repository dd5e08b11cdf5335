"""Store URLs that name a local path."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from libs.errors import InvalidRequestError


def path_of(url: str, scheme: str) -> Path:
    """`scheme:///relative/path` or `scheme:////absolute/path` (the SQLAlchemy convention)."""
    prefix = f"{scheme}:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise InvalidRequestError(f"{url!r} is not {scheme}:///relative/path or {scheme}:////absolute/path")
    return Path(url[len(prefix) :])


def folder_of(url: str) -> Path:
    """`file:///absolute/dir` (RFC 8089) or `file:relative/dir`."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not parts.path:
        raise InvalidRequestError(f"objects URL {url!r} is not file:///absolute/dir or file:relative/dir")
    return Path(parts.path)
