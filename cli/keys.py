"""`visage keys create|list|revoke|migrate`: API keys, written straight into the gateway's key store.

Reads the same `VISAGE_GATEWAY_KEYS__*` variables (or `[gateway] keys` of the settings file) as the gateway,
so it works before the platform runs (the first admin key) and without any key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from libs.auth.keyring import Keyring
from libs.auth.keys import KeyLimitValues
from libs.auth.repository import MIGRATIONS
from libs.auth.scopes import Scope
from libs.auth.store import DATABASE_NAME, KeyStoreOnlySettings, open_keyring
from libs.errors import VisageError
from libs.stores.factory import open_database
from libs.timestamps import iso_from_ms

T = TypeVar("T")
app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


def _run(work: Callable[[Keyring], Awaitable[T]]) -> T:
    async def run() -> T:
        async with open_keyring(KeyStoreOnlySettings().keys) as keyring:
            return await work(keyring)

    try:
        return asyncio.run(run())
    except VisageError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None


@app.command()
def create(
    tenant: Annotated[str, typer.Option(help="The tenant whose data the key reaches.")],
    scope: Annotated[list[Scope], typer.Option(help="read, write, admin or capture; repeatable.")] = [  # noqa: B006
        Scope.WRITE
    ],
    name: Annotated[str, typer.Option(help="What the key is for (shown by `list`).")] = "",
    requests_per_second: Annotated[int | None, typer.Option(min=1, help="Default: the gateway's.")] = None,
    max_concurrent: Annotated[int | None, typer.Option(min=1, help="Default: the gateway's.")] = None,
    max_images_per_request: Annotated[int | None, typer.Option(min=1, help="Default: the gateway's.")] = None,
    max_faces_per_image: Annotated[int | None, typer.Option(min=1, help="Default: the gateway's.")] = None,
) -> None:
    """Create a key; its text is the last line of the output, shown this once."""
    limits = KeyLimitValues(requests_per_second, max_concurrent, max_images_per_request, max_faces_per_image)
    key, text = _run(lambda keyring: keyring.create(tenant, frozenset(scope), name, limits))
    typer.echo(f"created key {key.id} for tenant {key.tenant!r}, scopes {' '.join(sorted(key.scopes))}")
    typer.echo("send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'; it is not shown again:")
    typer.echo(text)


@app.command("list")
def list_keys(tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None) -> None:
    """The active keys (never their text)."""
    keys = _run(lambda keyring: keyring.list(tenant))
    for key in keys:
        typer.echo(
            f"{key.id}  {key.tenant:<20} {' '.join(sorted(key.scopes)):<20} {iso_from_ms(key.created_at)}"
            f"  {key.name}"
        )


@app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id, as `list` shows it.")]) -> None:
    """Revoke a key: it stops working at once on this machine, within the key cache's seconds elsewhere."""
    _run(lambda keyring: keyring.revoke(key_id))
    typer.echo(f"revoked key {key_id}")


@app.command()
def migrate() -> None:
    """Create or upgrade the key store's tables (the gateway does it at start too): the migration Job."""

    async def run() -> list[int]:
        database = await open_database(KeyStoreOnlySettings().keys, DATABASE_NAME)
        try:
            return await database.migrate(MIGRATIONS)
        finally:
            await database.close()

    try:
        applied = asyncio.run(run())
    except VisageError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"key store schema up to date; applied now: {', '.join(map(str, applied)) or 'none'}")
