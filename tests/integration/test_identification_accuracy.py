"""1:N accuracy on the labelled photos, through the real search path (domain + embedded stores + face engine).

Identities with 2+ photos in LABELS.csv; every fourth identity (by name) is held out entirely. Each enrolled
identity gets one photo (its first, never a derived copy); its other upright photos are probes. Every photo
is described once: enrolment through `images.add`, probes through `search`.
- rank-1: the nearest person (no threshold) is the probe's identity, for probes of enrolled identities;
- open set: probes of held-out identities find nobody at the default threshold.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from libs.identification import Identification, PersonFields, SearchQuery, Upload
from tests import identification_fixtures
from tests.photos import LabelledPhoto

pytestmark = pytest.mark.integration

# The shared fixtures, by name.
clock = identification_fixtures.clock
identification = identification_fixtures.identification
photo_server = identification_fixtures.photo_server

HOLD_OUT_EVERY = 4
RANK1_REQUIRED = 0.95
REJECTION_REQUIRED = 0.90


def _split(
    labels: list[LabelledPhoto],
) -> tuple[dict[str, list[LabelledPhoto]], dict[str, list[LabelledPhoto]]]:
    by_identity: dict[str, list[LabelledPhoto]] = defaultdict(list)
    for photo in labels:
        if photo.identity and photo.kind == "single" and photo.upright:
            by_identity[photo.identity].append(photo)
    identities = sorted(name for name, photos in by_identity.items() if len(photos) >= 2)
    held_out = {
        name: by_identity[name]
        for i, name in enumerate(identities)
        if i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1
    }
    enrolled = {
        name: sorted(by_identity[name], key=_enrolment_order) for name in identities if name not in held_out
    }
    return enrolled, held_out


def _enrolment_order(photo: LabelledPhoto) -> tuple[bool, str]:
    return photo.source == "derived", photo.path  # never enrol a derived copy


async def test_rank1_and_open_set_rejection(
    identification: Identification, labels: list[LabelledPhoto]
) -> None:
    enrolled, held_out = _split(labels)
    names: dict[str, str] = {}
    for identity, photos in enrolled.items():
        person = await identification.persons.create(PersonFields(identity))
        await identification.images.add(person.id, Upload(content=photos[0].file.read_bytes()))
        names[person.id] = identity

    default_threshold = await identification.context.search_threshold(())  # for this gallery's size
    correct, within_default, misses = 0, 0, []
    probes = [(identity, photo) for identity, photos in enrolled.items() for photo in photos[1:]]
    for identity, photo in probes:
        outcome = await identification.search(
            SearchQuery(Upload(content=photo.file.read_bytes()), threshold=2.0, limit=1)
        )
        top = outcome.faces[0].persons
        if top and names[top[0].person.id] == identity:
            correct += 1
            within_default += top[0].distance <= default_threshold
        else:
            misses.append(photo.path)

    rejected, accepted = 0, []
    strangers = [photo for photos in held_out.values() for photo in photos]
    for photo in strangers:
        outcome = await identification.search(SearchQuery(Upload(content=photo.file.read_bytes())))
        if not outcome.faces[0].persons:
            rejected += 1
        else:
            accepted.append((photo.path, names[outcome.faces[0].persons[0].person.id]))

    rank1, rejection = correct / len(probes), rejected / len(strangers)
    print(
        f"\nenrolled {len(enrolled)} identities, {len(probes)} probes:"
        f" rank-1 {rank1:.1%} ({correct}/{len(probes)});"
        f" misses {misses}; found at the default threshold {within_default / len(probes):.1%}"
        f"\nheld out {len(held_out)} identities, {len(strangers)} probes: no match at the default threshold"
        f" {rejection:.1%} ({rejected}/{len(strangers)}); false matches {accepted}"
    )
    assert rank1 >= RANK1_REQUIRED
    assert rejection >= REJECTION_REQUIRED
