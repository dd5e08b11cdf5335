"""Find a model file, verify it, download it if allowed. Nothing here runs at import time."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import httpx
import platformdirs
from tqdm import tqdm

from libs.config import ModelSettings
from libs.errors import ModelFileError
from libs.models.registry import MODELS, ModelSpec

_CHUNK_BYTES = 1 << 20
_TIMEOUT = httpx.Timeout(30.0, read=120.0)

# (path, size, mtime_ns) -> sha256 of files this process already hashed or downloaded: resolving an unchanged
# file again costs one stat. A memo, not configuration; a replaced file has a new mtime and is hashed again.
_known_hashes: dict[tuple[str, int, int], str] = {}


def default_cache_dir() -> Path:
    """Where downloads go when `ModelSettings.cache_dir` is unset: the user's cache directory."""
    return Path(platformdirs.user_cache_dir("visage")) / "models"


def resolve(name: str, settings: ModelSettings, registry: Mapping[str, ModelSpec] = MODELS) -> Path:
    """The verified path of model `name`: from `settings.dir`, else the cache dir, else downloaded.

    Raises ModelFileError, with one message that names the file, where it looked and how to get it.
    """
    spec = registry.get(name)
    if spec is None:
        raise ModelFileError(f"unknown model {name!r}; known models: {', '.join(sorted(registry))}")
    cache_dir = settings.cache_dir or default_cache_dir()
    searched = [settings.dir, cache_dir] if settings.dir else [cache_dir]
    can_download = settings.allow_download and spec.url is not None

    for directory in searched:
        path = directory / spec.filename
        if not path.is_file():
            continue
        problem = _problem_with(path, spec)
        if problem is None:
            return path
        # A bad file in the cache is ours to replace; one in the models dir was put there by the user.
        if not (directory == cache_dir and can_download):
            raise ModelFileError(
                f"model file {path} ({spec.name}) is corrupt: {problem}. {_how_to_get(spec)}"
            )

    looked_in = " and ".join(str(directory) for directory in searched)
    if not can_download:
        why = "downloading is disabled" if spec.url else "it has no download URL"
        raise ModelFileError(
            f"model file {spec.filename} ({spec.name}) is missing: looked in {looked_in}; {why}. "
            f"{_how_to_get(spec)}"
        )
    return _download(spec, cache_dir, looked_in)


def _how_to_get(spec: ModelSpec) -> str:
    if spec.how_to_get:
        return spec.how_to_get
    return (
        f"Get it with `make models` (downloads {spec.url} and checks its sha256), "
        f"or put {spec.filename} in the models directory (VISAGE_MODELS_DIR)."
    )


def _problem_with(path: Path, spec: ModelSpec) -> str | None:
    """Why the file at `path` is not `spec`'s file, or None. Size first: it costs one stat."""
    stat = path.stat()
    if spec.size_bytes is not None and stat.st_size != spec.size_bytes:
        return f"it is {stat.st_size:,} bytes, expected {spec.size_bytes:,}"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    actual = _known_hashes.get(key) or _known_hashes.setdefault(key, _sha256_of(path))
    if actual != spec.sha256:
        return f"its sha256 is {actual}, expected {spec.sha256}"
    return None


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _download(spec: ModelSpec, cache_dir: Path, looked_in: str) -> Path:
    """Download `spec.url` into `cache_dir`: stream to a temp file, hash on the way, rename if it matches.

    A partial or wrong file never lands. `looked_in` names the directories already searched, for messages.
    """
    assert spec.url is not None
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / spec.filename
    fd, temp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".part", dir=cache_dir)
    temp = Path(temp_name)
    digest = hashlib.sha256()
    received = 0
    try:
        with (
            os.fdopen(fd, "wb") as out,
            httpx.stream("GET", spec.url, follow_redirects=True, timeout=_TIMEOUT) as response,
        ):
            response.raise_for_status()
            total = int(response.headers.get("content-length", 0)) or spec.size_bytes
            # disable=None: a bar on a terminal, silence in logs and CI.
            with tqdm(
                total=total, unit="B", unit_scale=True, desc=spec.filename, disable=None, file=sys.stderr
            ) as bar:
                for chunk in response.iter_bytes(_CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
                    received += len(chunk)
                    if spec.size_bytes is not None and received > spec.size_bytes:
                        break  # not the expected file; the hash check below refuses it
        if digest.hexdigest() != spec.sha256:
            raise ModelFileError(
                f"downloaded {spec.url} for model file {spec.filename} ({spec.name}), but its sha256 is "
                f"{digest.hexdigest()}, expected {spec.sha256}; nothing was kept. {_how_to_get(spec)}"
            )
        os.replace(temp, target)
    except httpx.HTTPError as error:
        temp.unlink(missing_ok=True)
        raise ModelFileError(
            f"model file {spec.filename} ({spec.name}) is missing: looked in {looked_in}; downloading "
            f"{spec.url} failed: {error}. {_how_to_get(spec)}"
        ) from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    stat = target.stat()
    _known_hashes[(str(target), stat.st_size, stat.st_mtime_ns)] = spec.sha256
    return target
