"""`visage-models`: fetch and verify the model files, or list the registry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.config import ModelSettings
from libs.errors import ModelFileError
from libs.models.fetch import default_cache_dir, resolve
from libs.models.registry import MODELS, platform_model_names


class ModelsCliSettings(BaseSettings):
    """This command's settings: VISAGE_MODELS_DIR, VISAGE_MODELS_CACHE_DIR, VISAGE_MODELS_ALLOW_DOWNLOAD,
    VISAGE_MODELS_RECOGNIZER. An empty variable counts as unset (the Makefile exports an empty
    VISAGE_MODELS_DIR when ../shared is absent)."""

    model_config = SettingsConfigDict(
        env_prefix="VISAGE_", env_ignore_empty=True, extra="ignore", frozen=True
    )

    models_dir: Path | None = None
    models_cache_dir: Path | None = None
    models_allow_download: bool = True
    models_recognizer: str = "sface_int8bq"

    def model_settings(self) -> ModelSettings:
        return ModelSettings(
            models_dir=self.models_dir,
            cache_dir=self.models_cache_dir,
            allow_download=self.models_allow_download,
            recognizer=self.models_recognizer,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="visage-models", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser(
        "fetch", help="make sure model files are present and verified (downloads if allowed)"
    )
    fetch.add_argument(
        "names", nargs="*", metavar="NAME", help="models to fetch; default: what the platform needs"
    )
    commands.add_parser("list", help="print the model registry")
    args = parser.parse_args(argv)

    settings = ModelsCliSettings().model_settings()
    if args.command == "list":
        _print_registry(settings)
        return 0
    return _fetch(args.names or platform_model_names(settings), settings)


def _fetch(names: list[str], settings: ModelSettings) -> int:
    failed = False
    for name in names:
        try:
            path = resolve(name, settings)
        except ModelFileError as error:
            print(f"{name}: {error.message}", file=sys.stderr)
            failed = True
        else:
            print(f"{name:<16} {path}")
    return 1 if failed else 0


def _print_registry(settings: ModelSettings) -> None:
    print(f"models dir: {settings.models_dir or '(not set)'}")
    print(f"cache dir:  {settings.cache_dir or default_cache_dir()}")
    for spec in MODELS.values():
        print(f"{spec.name:<16} {spec.filename}")
        print(f"{'':<16} {spec.role}; licence {spec.licence}")
        print(f"{'':<16} {spec.url or 'no download URL: ' + spec.how_to_get}")


if __name__ == "__main__":
    raise SystemExit(main())
