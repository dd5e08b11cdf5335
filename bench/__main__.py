"""`python -m bench [name ...] [--full] [--report]`: run benchmark modules and print their tables.

Without names: the fast set (every module but those marked `FULL_ONLY`), or with `--full` every module in its
long variant. With `--report`, each section is stored under `bench/results/raw/` and `bench/results/REPORT.md`
is rendered from every stored section, so a later fast run keeps the long sections of an earlier full run
(each section says when and in which mode it ran). `--render` only re-renders the report.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import pkgutil
import sys
import time
import traceback

import bench
from bench import BenchSettings
from bench.common import Machine
from bench.report import write_report
from bench.section import Section


def available() -> list[str]:
    """Modules of the bench package that define `run` (private and entry modules excluded, and those marked
    `BENCHMARK = False`: their `run` is called by something else, e.g. `make soak`)."""
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")]
    modules = {name: importlib.import_module(f"bench.{name}") for name in names}
    return sorted(
        name
        for name, module in modules.items()
        if hasattr(module, "run") and getattr(module, "BENCHMARK", True)
    )


def _run_one(name: str, settings: BenchSettings) -> Section | None:
    module = importlib.import_module(f"bench.{name}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    start = time.perf_counter()
    section = module.run(settings)
    if not isinstance(section, Section):
        return None
    section.run_info = {
        "ran": started,
        "mode": "full" if settings.bench_full else "fast",
        "load average at start": load,
        "took": f"{time.perf_counter() - start:.0f} s",
    }
    return section


def main(argv: list[str] | None = None) -> int:
    known = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run; default: {known}")
    parser.add_argument("--full", action="store_true", help="every benchmark, in its long variant")
    parser.add_argument("--report", action="store_true", help="store the sections and render REPORT.md")
    parser.add_argument("--render", action="store_true", help="only re-render REPORT.md from stored sections")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(known))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {known}")
    settings = BenchSettings(**({"bench_full": True} if args.full else {}))
    machine = Machine.describe(settings.repo_root)
    if args.render:
        print(f"wrote {write_report(settings, machine)}")
        return 0
    print("\n".join(machine.lines()))
    names = args.names or [
        name
        for name in known
        if settings.bench_full or not getattr(importlib.import_module(f"bench.{name}"), "FULL_ONLY", False)
    ]
    failed = []
    for name in names:
        print(f"\n== bench.{name} ==", flush=True)
        try:
            section = _run_one(name, settings)
        except Exception:  # one broken benchmark must not cost the others' numbers
            traceback.print_exc()
            failed.append(name)
            continue
        if section is None:
            continue
        print(section.text(), flush=True)
        if args.report:
            section.save(settings.raw_dir)
    if args.report:
        print(f"wrote {write_report(settings, machine)}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
