"""`visage`: the root command (typer: commands and help from type hints, one group of commands per file).

Commands that call the API read `VISAGE_CLI_API_URL` and `VISAGE_CLI_API_KEY` (cli/api.py); `keys` writes
the gateway's key store directly. Exit codes: 0 done, 1 done with failures, 2 bad usage, 3 refused by the
API, 4 API unreachable or not ready.
"""

from __future__ import annotations

import typer

from cli import enroll, faces, gallery, keys, platform

app = typer.Typer(help="Visage: self-hosted face recognition.", no_args_is_help=True)
app.add_typer(keys.app, name="keys")
for command in (platform.run, platform.certs, platform.models, platform.status, faces.detect, faces.match,
                faces.search, enroll.enroll):  # fmt: skip
    app.command()(command)
app.command("export")(gallery.export)
app.command("import")(gallery.import_)


def main() -> None:
    app()
