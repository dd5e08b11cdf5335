"""`visage run`, `visage certs`, `visage models`, `visage status`: the platform itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.api import EXIT_UNAVAILABLE, Failure, client, fail

SERVICES = ("detection", "matching", "liveness", "identification")


def run(
    service: Annotated[
        str | None, typer.Argument(help=f"One of {', '.join(SERVICES)}; default: everything.")
    ] = None,
) -> None:
    """Run the whole platform on embedded defaults (as `make run`), or one service in the foreground."""
    if service is None:
        from services.launcher import main as launch

        raise typer.Exit(launch())
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    import runpy

    runpy.run_module(f"services.{service}", run_name="__main__")


def certs(
    out: Annotated[Path, typer.Option(help="Where the CA and certificates go.")] = Path("certs/out"),
    force: Annotated[bool, typer.Option(help="Make everything again, the CA included.")] = False,
) -> None:
    """Make the development CA and the services' certificates (kept when still valid)."""
    from certs.generate import main as generate

    raise typer.Exit(generate(["--out", str(out), *(["--force"] if force else [])]))


def models(
    command: Annotated[
        str, typer.Argument(help="fetch (check and download what is missing) or list")
    ] = "fetch",
) -> None:
    """Check, download or list the model files (as `visage-models`)."""
    from libs.models.cli import main as models_main

    raise typer.Exit(models_main([command]))


def status() -> None:
    """Whether the platform answers and every backend is serving; exit 4 when not."""
    try:
        with client() as api:
            info = api.health()
            ready = api.readiness()
    except Failure as error:
        raise fail(error) from None
    typer.echo(f"{info.app} {info.version} at {api.base_url}")
    for name, state in sorted(ready.backends.items()):
        typer.echo(f"  {name:<15} {state}")
    if not ready.ready:
        typer.echo(ready.message, err=True)  # "not ready: <who and why>"
        raise typer.Exit(EXIT_UNAVAILABLE)
    typer.echo("ready")
