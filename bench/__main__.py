"""`python -m bench [name ...]`: run the named benchmark modules, or all of them, in name order."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import bench
from bench import BenchSettings


def available() -> list[str]:
    """Modules of the bench package that define `run` (private and entry modules excluded)."""
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")]
    return sorted(name for name in names if hasattr(importlib.import_module(f"bench.{name}"), "run"))


def main(argv: list[str] | None = None) -> int:
    known = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run; default: all of {known}"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(known))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {known}")
    settings = BenchSettings()
    for name in args.names or known:
        print(f"\n== bench.{name} ==", flush=True)
        importlib.import_module(f"bench.{name}").run(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
