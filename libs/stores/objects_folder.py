"""`ObjectStore` in a local folder: the embedded default.

An object is the file `<root>/<key>` holding its bytes as they are (a photo opens in any viewer), and its
content type sits beside it in the hidden file `.<name>.content-type`. Writes go to a hidden temporary file
that is renamed into place, so a reader sees the old object or the new one, never half of one. Keys are
checked so none can leave the folder.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

from libs.errors import NotFoundError, UnavailableError
from libs.stores.object_keys import check_key

T = TypeVar("T")

DEFAULT_CONTENT_TYPE = "application/octet-stream"


def _content_type_file(path: Path) -> Path:
    return path.with_name(f".{path.name}.content-type")


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class FolderObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = root.absolute()

    @classmethod
    async def open(cls, root: Path) -> FolderObjectStore:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UnavailableError(f"cannot create the object folder {root}: {error}") from error
        return cls(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            for attempt in range(3):
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    # The content type first: the object's own rename is what makes it visible.
                    _write_atomically(_content_type_file(path), content_type.encode())
                    _write_atomically(path, data)
                    return
                except FileNotFoundError:
                    if attempt == 2:  # a concurrent delete removed the emptied directory: make it again
                        raise

        await self._run(write, key)

    async def get(self, key: str) -> tuple[bytes, str]:
        path = self._path(key)

        def read() -> tuple[bytes, str]:
            data = path.read_bytes()
            try:
                content_type = _content_type_file(path).read_text().strip() or DEFAULT_CONTENT_TYPE
            except FileNotFoundError:
                content_type = DEFAULT_CONTENT_TYPE
            return data, content_type

        return await self._run(read, key, absent=NotFoundError(f"no object {key!r}"))

    async def delete(self, key: str) -> None:
        path = self._path(key)

        def remove() -> None:
            path.unlink(missing_ok=True)
            _content_type_file(path).unlink(missing_ok=True)
            # Drop the directories the object leaves empty (one per person), up to the root.
            for parent in path.parents:
                if parent == self.root or not parent.is_relative_to(self.root):
                    break
                try:
                    parent.rmdir()
                except OSError:
                    break

        await self._run(remove, key)

    async def exists(self, key: str) -> bool:
        return await self._run(self._path(key).is_file, key)

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        # Walk only the directory that the prefix's complete segments name.
        start = self._path(prefix.rsplit("/", 1)[0]) if "/" in prefix else self.root

        def walk() -> list[str]:
            found = []
            for directory, subdirectories, files in os.walk(start):
                subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
                relative = Path(directory).relative_to(self.root).as_posix()
                for name in files:
                    if not name.startswith("."):
                        key = name if relative == "." else f"{relative}/{name}"
                        if key.startswith(prefix):
                            found.append(key)
            return sorted(found)

        for key in await self._run(walk, prefix):
            yield key

    def link(self, key: str) -> str:
        return self._path(key).as_uri()

    async def close(self) -> None:
        """Nothing is held open."""

    async def _run(self, function: Callable[[], T], key: str, absent: Exception | None = None) -> T:
        try:
            return await asyncio.to_thread(function)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
            if absent is not None:
                raise absent from error
            raise UnavailableError(f"object folder {self.root} failed on {key!r}: {error}") from error
        except OSError as error:
            raise UnavailableError(f"object folder {self.root} failed on {key!r}: {error}") from error
