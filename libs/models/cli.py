"""`visage-models`: fetch and verify the model files, or list the registry."""

from __future__ import annotations

import argparse
import sys

from libs.config import ModelSettings
from libs.errors import ModelFileError
from libs.faces.engine import EVERY_CAPABILITY, model_names
from libs.models.fetch import default_cache_dir, resolve
from libs.models.registry import MODELS


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

    settings = ModelSettings()  # VISAGE_MODELS_*, as every process that loads models reads them
    if args.command == "list":
        _print_registry(settings)
        return 0
    return _fetch(args.names or model_names(EVERY_CAPABILITY, settings), settings)


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
    print(f"models dir: {settings.dir or '(not set)'}")
    print(f"cache dir:  {settings.cache_dir or default_cache_dir()}")
    for spec in MODELS.values():
        print(f"{spec.name:<16} {spec.filename}")
        print(f"{'':<16} {spec.role}; licence {spec.licence}")
        print(f"{'':<16} {spec.url or 'no download URL: ' + spec.how_to_get}")


if __name__ == "__main__":
    raise SystemExit(main())
