"""The REST API as the `visage` commands call it: where it is, which key, and what a failure prints.

`VISAGE_CLI_API_URL` (default http://127.0.0.1:41101) and `VISAGE_CLI_API_KEY`; without a key, the one
`make run` wrote (`VISAGE_CLI_KEY_FILE`, default .visage/api-key) when it exists. A failed call ends the
command with one line on stderr and an exit code that says what kind of failure it was.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import typer
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from libs.settings import ProcessSettings

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

    def key(self) -> str | None:
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        if self.key_file.is_file():
            return self.key_file.read_text(encoding="ascii").strip()
        return None


def client(settings: CliSettings | None = None) -> httpx.Client:
    settings = settings or CliSettings()
    key = settings.key()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(
        base_url=settings.api_url.rstrip("/") + "/api/", headers=headers, timeout=settings.timeout_seconds
    )


class ApiError(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message, self.exit_code = message, exit_code


def checked(answer: httpx.Response) -> Any:
    """The answer's JSON (None for an empty body); `ApiError` with the API's own message otherwise."""
    if answer.is_success:
        return answer.json() if answer.content else None
    try:
        message = answer.json().get("msg") or answer.text
    except ValueError:
        message = answer.text
    code = EXIT_REFUSED if answer.status_code < 500 else EXIT_UNAVAILABLE
    raise ApiError(f"{answer.request.method} {answer.request.url.path}: {answer.status_code} {message}", code)


def response(api: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """The API's answer, whatever its status; `ApiError` when the API cannot be reached."""
    try:
        return api.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise ApiError(f"cannot reach the API at {api.base_url}: {error}", EXIT_UNAVAILABLE) from None


def request(api: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    return checked(response(api, method, path, **kwargs))


def all_items(api: httpx.Client, path: str, page_size: int = 1000) -> list[dict[str, Any]]:
    """Every item of a paged list route (`items`, `totalPages`), page after page."""
    items, page = [], 1
    while True:
        answer = request(api, "GET", path, params={"page": page, "size": page_size})
        items += answer["items"]
        if page >= answer.get("totalPages", 1):
            return items
        page += 1


def summary(line: str, failures: list[str]) -> None:
    """Print what a batch command did and each failure; exit 1 when something failed."""
    typer.echo(line)
    for failure in failures:
        typer.echo(f"  {failure}", err=True)
    if failures:
        raise typer.Exit(EXIT_PARTIAL)


def image_b64(path: Path) -> str:
    try:
        return base64.b64encode(path.read_bytes()).decode()
    except OSError as error:
        raise ApiError(f"{path}: {error.strerror}", EXIT_USAGE) from None


def fail(error: ApiError) -> typer.Exit:
    """Print the error's one line; the `typer.Exit` to raise."""
    typer.echo(f"error: {error.message}", err=True)
    return typer.Exit(error.exit_code)
