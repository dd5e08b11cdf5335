"""Where API keys live: the `gateway` SQL database (SQLite under `data_dir` unless a URL says otherwise) and
the pepper their hashes are keyed with. Shared by the gateway and the `visage keys` command line."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from libs.auth.keyring import Keyring
from libs.auth.repository import KeyRepository
from libs.auth.scopes import Scope
from libs.errors import UnauthenticatedError
from libs.secret_file import load_or_create_secret
from libs.settings import ProcessSettings
from libs.stores.factory import DatabaseSettings, open_database
from libs.tenants import DEFAULT_TENANT

DATABASE_NAME = "gateway"
PEPPER_FILE = "api-keys.pepper"


class KeyStoreSettings(DatabaseSettings):
    # The HMAC key of the stored key hashes (16+ characters). None = generated once into
    # `<data_dir>/api-keys.pepper` (0600). Every gateway replica needs the same; losing it voids every key.
    pepper: SecretStr | None = Field(default=None, min_length=16)
    # How long a key's record is reused before it is read again: a key revoked through another gateway
    # replica keeps working at most this long.
    cache_seconds: float = Field(default=5.0, ge=0, le=300)

    def pepper_bytes(self) -> bytes:
        if self.pepper is not None:
            return self.pepper.get_secret_value().encode()
        return load_or_create_secret(self.data_dir / PEPPER_FILE)


@asynccontextmanager
async def open_keyring(settings: KeyStoreSettings) -> AsyncIterator[Keyring]:
    """The keyring over its database (migrated), closed on exit."""
    pepper = settings.pepper_bytes()
    database = await open_database(settings, DATABASE_NAME)
    try:
        repository = KeyRepository(database)
        await repository.migrate()
        yield Keyring(repository, pepper, settings.cache_seconds)
    finally:
        await database.close()


class KeyStoreOnlySettings(ProcessSettings):
    """The gateway's `keys` settings alone, for the processes that read nothing else of the gateway's: the
    `visage keys` command line and `make run`'s launcher (same `VISAGE_GATEWAY_KEYS__*` variables)."""

    section = "gateway"
    model_config = SettingsConfigDict(env_prefix="VISAGE_GATEWAY_", nested_model_default_partial_update=True)

    keys: KeyStoreSettings = Field(default_factory=KeyStoreSettings)


async def local_key(keyring: Keyring, path: Path, scopes: frozenset[Scope], name: str) -> str:
    """The key in `path` if it still works, else a new one (tenant "default") written there with mode 0600:
    `make run`'s keys, made on first start and kept across restarts."""
    if path.exists():
        text = path.read_text(encoding="ascii").strip()
        with contextlib.suppress(UnauthenticatedError):
            await keyring.authenticate(text)
            return text
    _, text = await keyring.create(DEFAULT_TENANT, scopes, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(text + "\n")
    return text
