"""API keys in libs/auth: the key text, its stored hash, scopes, the keyring over real SQLite, limits."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from libs.auth.keys import KeyLimitValues, parse_key
from libs.auth.limits import KeyLimits
from libs.auth.scopes import Access, Scope, allows, parse_scopes
from libs.auth.store import KeyStoreSettings, local_key, open_keyring
from libs.errors import InvalidRequestError, NotFoundError, RateLimitedError, UnauthenticatedError

pytestmark = pytest.mark.unit


def test_scopes_grant_what_their_names_say() -> None:
    assert allows({Scope.READ}, Access.READ) and not allows({Scope.READ}, Access.WRITE)
    assert allows({Scope.WRITE}, Access.CAPTURE) and not allows({Scope.WRITE}, Access.ADMIN)
    assert allows({Scope.CAPTURE}, Access.CAPTURE) and not allows({Scope.CAPTURE}, Access.READ)
    assert all(allows({Scope.ADMIN}, access) for access in Access if access != Access.SIGNED)
    # A route nobody classified is for admin keys only.
    assert not allows({Scope.WRITE, Scope.READ, Scope.CAPTURE}, Access.UNSPECIFIED)
    assert parse_scopes(["Read", " write "]) == {Scope.READ, Scope.WRITE}
    with pytest.raises(InvalidRequestError, match="unknown scope"):
        parse_scopes(["root"])
    with pytest.raises(InvalidRequestError, match="at least one"):
        parse_scopes([])


async def test_a_key_works_until_revoked_and_only_its_hash_is_stored(tmp_path: Path) -> None:
    settings = KeyStoreSettings(data_dir=tmp_path)
    async with open_keyring(settings) as keyring:
        key, text = await keyring.create("acme", frozenset({Scope.READ}), "reports")
        assert text.startswith(f"vsk_{key.id}_") and parse_key(text) is not None
        assert (await keyring.authenticate(text)).tenant == "acme"
        assert (await keyring.authenticate(f"  {text}\n")).id == key.id
        # The database holds the HMAC, never the secret.
        assert text.split("_", 2)[2] not in (tmp_path / "gateway.db").read_bytes().decode("latin-1")
        assert stat.S_IMODE((tmp_path / "api-keys.pepper").stat().st_mode) == 0o600

        wrong_secret = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
        for bad in (None, "", "Bearer nonsense", wrong_secret, f"vsk_{'0' * 12}_{'A' * 43}"):
            with pytest.raises(UnauthenticatedError):
                await keyring.authenticate(bad)

        await keyring.revoke(key.id)
        with pytest.raises(UnauthenticatedError, match="unknown or revoked"):
            await keyring.authenticate(text)
        with pytest.raises(NotFoundError):
            await keyring.revoke(key.id)
        assert await keyring.list() == []


async def test_keys_survive_a_restart_and_another_pepper_voids_them(tmp_path: Path) -> None:
    async with open_keyring(KeyStoreSettings(data_dir=tmp_path)) as keyring:
        _, text = await keyring.create("acme", frozenset({Scope.WRITE}))
    async with open_keyring(KeyStoreSettings(data_dir=tmp_path)) as keyring:
        assert (await keyring.authenticate(text)).scopes == {Scope.WRITE}
    other_pepper = KeyStoreSettings(data_dir=tmp_path, pepper="another server's pepper")
    async with open_keyring(other_pepper) as keyring:
        with pytest.raises(UnauthenticatedError):
            await keyring.authenticate(text)


async def test_revoking_a_tenant_revokes_only_its_keys(tmp_path: Path) -> None:
    async with open_keyring(KeyStoreSettings(data_dir=tmp_path)) as keyring:
        _, first = await keyring.create("acme", frozenset({Scope.READ}))
        _, second = await keyring.create("acme", frozenset({Scope.ADMIN}))
        _, other = await keyring.create("globex", frozenset({Scope.READ}))
        assert len(await keyring.revoke_tenant("acme")) == 2
        for text in (first, second):
            with pytest.raises(UnauthenticatedError):
                await keyring.authenticate(text)
        assert (await keyring.authenticate(other)).tenant == "globex"
        assert [key.tenant for key in await keyring.list()] == ["globex"]
        with pytest.raises(InvalidRequestError, match="tenant must match"):
            await keyring.create("Not A Tenant", frozenset({Scope.READ}))


async def test_the_local_key_is_made_once_private_and_remade_when_revoked(tmp_path: Path) -> None:
    path = tmp_path / "api-key"
    async with open_keyring(KeyStoreSettings(data_dir=tmp_path)) as keyring:
        first = await local_key(keyring, path, frozenset({Scope.ADMIN}), "local")
        assert path.read_text().strip() == first and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert await local_key(keyring, path, frozenset({Scope.ADMIN}), "local") == first
        await keyring.revoke((await keyring.authenticate(first)).id)
        second = await local_key(keyring, path, frozenset({Scope.ADMIN}), "local")
        assert second != first and (await keyring.authenticate(second)).tenant == "default"


async def test_limits_refuse_past_the_rate_and_the_concurrency_of_a_key(tmp_path: Path) -> None:
    async with open_keyring(KeyStoreSettings(data_dir=tmp_path)) as keyring:
        slow, _ = await keyring.create(
            "acme", frozenset({Scope.READ}), limits=KeyLimitValues(requests_per_second=2)
        )
        narrow, _ = await keyring.create(
            "acme", frozenset({Scope.READ}), limits=KeyLimitValues(max_concurrent=1)
        )
    limits = KeyLimits(KeyLimitValues(requests_per_second=100, max_concurrent=10))
    for _ in range(2):
        async with limits.admitted(slow):
            pass
    with pytest.raises(RateLimitedError, match="2 requests per second") as refused:
        async with limits.admitted(slow):
            pass
    assert refused.value.http_status == 429 and refused.value.retry_after_seconds >= 1

    async with limits.admitted(narrow):
        with pytest.raises(RateLimitedError, match=r"limit of concurrent requests \(1\)"):
            async with limits.admitted(narrow):
                pass
    async with limits.admitted(narrow):  # the slot is free again
        pass
