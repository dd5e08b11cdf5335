"""`visage`: the root command (typer: commands and help from type hints, one subcommand group per file)."""

from __future__ import annotations

import typer

from cli import keys

app = typer.Typer(help="Visage: self-hosted face recognition.", no_args_is_help=True)
app.add_typer(keys.app, name="keys")


def main() -> None:
    app()
