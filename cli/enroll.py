"""`visage enroll`: a folder of photos (one sub-folder per person) or a CSV into the gallery.

Concurrent (a few persons at a time), with a progress bar (rate, time left), and resumable: each person
made and each photo enrolled is appended to a state file (default `<folder>/.visage-enroll.jsonl`), so a
second run after an interruption only does what is left and never makes a person twice.
"""

from __future__ import annotations

import csv
import json
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

from cli.api import Failure, UsageError, client, fail, read_photo, summary
from visage.client import VisageClient

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".jp2"}
STATE_FILE = ".visage-enroll.jsonl"


@dataclass
class Plan:
    photos: dict[str, list[Path]]  # person name -> photos, in order


def folder_plan(folder: Path) -> Plan:
    photos: dict[str, list[Path]] = {}
    for person in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(f for f in person.iterdir() if f.suffix.lower() in PHOTO_SUFFIXES)
        if files:
            photos[person.name] = files
    return Plan(photos)


def csv_plan(table: Path) -> Plan:
    """Rows of `name,path` (a header line `name,path`; paths relative to the CSV's folder)."""
    photos: dict[str, list[Path]] = defaultdict(list)
    with table.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if not row.get("name") or not row.get("path"):
                raise UsageError(f"{table}: every row needs a name and a path")
            photos[row["name"]].append((table.parent / row["path"]).resolve())
    return Plan(dict(photos))


@dataclass
class State:
    """What earlier runs did: persons made (name -> id) and photos enrolled, appended as JSON lines."""

    path: Path
    persons: dict[str, str] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, path: Path) -> State:
        state = cls(path)
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                if "person" in entry:
                    state.persons[entry["person"]] = entry["id"]
                else:
                    state.done.add(entry["photo"])
        return state

    def record(self, entry: dict[str, str]) -> None:
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")


def _group_id(api: VisageClient, name: str) -> str:
    """The id of the group called `name`, made when there is none."""
    for group in api.every(api.list_groups):
        if group.name == name:
            return group.id
    return api.create_group(name).id


def _enrol_person(
    api: VisageClient, name: str, photos: list[Path], groups: list[str], state: State, bar: tqdm[Any]
) -> list[str]:
    failures = []
    person_id = state.persons.get(name)
    if person_id is None:
        person_id = api.create_person(name, groups=groups).id
        state.persons[name] = person_id
        state.record({"person": name, "id": person_id})
    for photo in photos:
        key = str(photo)
        if key in state.done:
            continue
        try:
            api.add_person_image(person_id, read_photo(photo))
            state.done.add(key)
            state.record({"photo": key})
        except Failure as error:
            failures.append(f"{photo}: {error}")
        bar.update(1)
    return failures


def enroll(
    source: Annotated[Path, typer.Argument(exists=True, help="A folder (a sub-folder per person) or a CSV.")],
    group: Annotated[
        str | None, typer.Option(help="Put every person in this group (made if absent).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Persons enrolled at once.")] = 4,
    state_file: Annotated[Path | None, typer.Option(help="Progress file; default: in the folder.")] = None,
) -> None:
    """Enrol photos: resumable, concurrent, with a progress bar and a summary of what failed."""
    try:
        plan = csv_plan(source) if source.is_file() else folder_plan(source)
        state = State.load(state_file or (source.parent if source.is_file() else source) / STATE_FILE)
        left = {name: [p for p in photos if str(p) not in state.done] for name, photos in plan.photos.items()}
        left = {name: photos for name, photos in left.items() if photos}
        total = sum(len(photos) for photos in left.values())
        with client() as api:
            groups = [_group_id(api, group)] if group else []
            with (
                tqdm(total=total, unit="photo", desc="enrolling") as bar,
                ThreadPoolExecutor(concurrency) as pool,
            ):
                jobs = [pool.submit(_enrol_person, api, n, p, groups, state, bar) for n, p in left.items()]
                failures = [failure for job in jobs for failure in job.result()]
    except Failure as error:
        raise fail(error) from None
    summary(
        f"enrolled {total - len(failures)} photos of {len(left)} persons ({len(plan.photos)} in the source);"
        f" {len(failures)} failed",
        failures,
    )
