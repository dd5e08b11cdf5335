"""The labelled photos of `shared/faces` and the evaluation protocols built on them.

One definition of who is who, which pairs are compared and which photos are enrolled, used by the accuracy
benchmark and by the comparison with `face_recognition`, so both systems are scored on exactly the same data.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

# Kinds whose photos show exactly one face (a print or replay attack still shows one face).
ONE_FACE_KINDS = ("single", "live", "spoof")


@dataclass(frozen=True)
class LabelledPhoto:
    """One row of LABELS.csv; `file` is the absolute path."""

    path: str
    source: str
    identity: str
    kind: str  # single, multi, noface, live, spoof, invalid
    notes: str
    file: Path


def load_labels(faces_dir: Path) -> list[LabelledPhoto]:
    with (faces_dir / "LABELS.csv").open(newline="", encoding="utf-8") as handle:
        return [LabelledPhoto(**row, file=faces_dir / row["path"]) for row in csv.DictReader(handle)]


@dataclass(frozen=True)
class ExpectedFaces:
    count: int
    exact: bool  # False: "at least `count`"


def expected_faces(photo: LabelledPhoto) -> ExpectedFaces | None:
    """How many faces the label says the photo shows; None when it does not say (group photos)."""
    if photo.kind in ONE_FACE_KINDS:
        return ExpectedFaces(1, True)
    if photo.kind == "noface":
        return ExpectedFaces(0, True)
    match = re.search(r"faces(>=|=)(\d+)", photo.notes)
    if photo.kind == "multi" and match:
        return ExpectedFaces(int(match.group(2)), match.group(1) == "=")
    return None


def identified(photos: Sequence[LabelledPhoto]) -> dict[str, list[LabelledPhoto]]:
    """Single-face photos by identity, photos in path order (only labelled identities)."""
    groups: dict[str, list[LabelledPhoto]] = defaultdict(list)
    for photo in sorted(photos, key=lambda p: p.path):
        if photo.identity and photo.kind == "single":
            groups[photo.identity].append(photo)
    return dict(groups)


@dataclass(frozen=True)
class Pair:
    a: LabelledPhoto
    b: LabelledPhoto

    @property
    def genuine(self) -> bool:
        return self.a.identity == self.b.identity


def verification_pairs(photos: Sequence[LabelledPhoto]) -> list[Pair]:
    """Every pair of photos of identities with two or more photos: genuine and impostor pairs."""
    pool = [p for group in identified(photos).values() if len(group) >= 2 for p in group]
    return [Pair(a, b) for a, b in combinations(pool, 2)]


@dataclass(frozen=True)
class IdentificationProtocol:
    """Gallery = the first photo of each identity with 2+ photos; mated probes = their other photos.

    Non-mated probes (people not enrolled): photos of identities with one photo, and, leaving one identity out
    of the gallery at a time, that identity's probes. `excluded[i]` is the identity left out for
    `non_mated[i]` (None: never enrolled).
    """

    gallery: list[LabelledPhoto]
    mated: list[LabelledPhoto]
    non_mated: list[LabelledPhoto]
    excluded: list[str | None]


def identification_protocol(photos: Sequence[LabelledPhoto]) -> IdentificationProtocol:
    groups = identified(photos)
    enrolled = {who: group for who, group in groups.items() if len(group) >= 2}
    gallery = [group[0] for group in enrolled.values()]
    mated = [p for group in enrolled.values() for p in group[1:]]
    never = [p for who, group in groups.items() if who not in enrolled for p in group]
    non_mated = never + mated
    excluded: list[str | None] = [None] * len(never) + [p.identity for p in mated]
    return IdentificationProtocol(gallery, mated, non_mated, excluded)
