"""Server secrets made once into the data dir: liveness' signing secret, the API keys' pepper.

Every replica must use the same secret (set it from a Kubernetes Secret); the generated file suits one
machine.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

SECRET_BYTES = 32
SECRET_FILE_MODE = 0o600


def load_or_create_secret(path: Path) -> bytes:
    """The secret stored at `path` (hex text), created with mode 0600 if absent; never logged."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written in full under a private name, then linked into place: a process starting at the same moment
    # either wins the link or reads the complete file of the one that did.
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(SECRET_BYTES))
        with contextlib.suppress(FileExistsError):  # another process won: read its secret
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"secret file {path} is not hex text; delete it to make a new one") from None
    if len(secret) < 16:
        raise ValueError(f"secret file {path} holds fewer than 16 bytes; delete it to make a new one")
    return secret
