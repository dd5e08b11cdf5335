"""The REST API as the `visage` commands call it (through `visage.client`): where it is, which key, and what
a failure prints.

`VISAGE_CLI_API_URL` (default http://127.0.0.1:41101) and `VISAGE_CLI_API_KEY`; without a key, the one
`make run` wrote (`VISAGE_CLI_KEY_FILE`, default .visage/api-key) when it exists. A failed call ends the
command with one line on stderr and an exit code that says what kind of failure it was.
"""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from libs.settings import ProcessSettings
from visage.client import ApiError, VisageClient, VisageClientError

# Exit codes: 0 done; 1 done, but some items failed (enroll); 2 bad usage or input; 3 refused by the API
# (4xx); 4 the API is unreachable or failing (5xx, no connection).
EXIT_PARTIAL, EXIT_USAGE, EXIT_REFUSED, EXIT_UNAVAILABLE = 1, 2, 3, 4


class CliSettings(ProcessSettings):
    section = "cli"
    model_config = SettingsConfigDict(env_prefix="VISAGE_CLI_")

    api_url: str = "http://127.0.0.1:41101"
    api_key: SecretStr | None = None
    key_file: Path = Path(".visage/api-key")
    timeout_seconds: float = 120.0
    retries: int = 2

    def key(self) -> str | None:
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        if self.key_file.is_file():
            return self.key_file.read_text(encoding="ascii").strip()
        return None


def client(settings: CliSettings | None = None) -> VisageClient:
    settings = settings or CliSettings()
    return VisageClient(
        settings.api_url, settings.key(), timeout=settings.timeout_seconds, retries=settings.retries
    )


class UsageError(Exception):
    """A problem with what the command was given (a file it cannot read, a malformed CSV or gallery)."""


# What a command catches: its own input problems and the client's failures.
Failure = (UsageError, VisageClientError)


def exit_code(error: UsageError | VisageClientError) -> int:
    if isinstance(error, UsageError):
        return EXIT_USAGE
    if isinstance(error, ApiError) and error.status < 500:
        return EXIT_REFUSED
    return EXIT_UNAVAILABLE


def fail(error: UsageError | VisageClientError) -> typer.Exit:
    """Print the error's one line; the `typer.Exit` to raise."""
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(exit_code(error))


def summary(line: str, failures: list[str]) -> None:
    """Print what a batch command did and each failure; exit 1 when something failed."""
    typer.echo(line)
    for failure in failures:
        typer.echo(f"  {failure}", err=True)
    if failures:
        raise typer.Exit(EXIT_PARTIAL)


def read_photo(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror}") from None
